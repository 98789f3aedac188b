"""The re-clustering job over a store: stable ids, registry, write-back, atomic runs, bad input."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clustering import ClusterPipeline, HdbscanClusterer, NoReduction
from jobs import ReclusterError, ReclusterSettings, current_clusters, read_current, run_recluster
from jobs.state import POINTER, StateError
from store import Message, MessageFilter, open_store

DIM = 16
NOW = datetime(2024, 6, 1, tzinfo=UTC)
TOPICS = ["courier late delivery parcel", "card payment declined shop", "refund money returned account",
          "password login reset email", "app crashes update phone"]


def centres(seed=1):
    rng = np.random.default_rng(seed)
    rows = rng.normal(size=(len(TOPICS), DIM))
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def messages(topic, count, days, start=0, seed=0, customer_pool=20, sentiment="neutral"):
    """``count`` messages of a topic spread over the ``days`` before NOW."""
    rng = np.random.default_rng(seed + 100 * topic)
    vectors = centres()[topic] + 0.08 * rng.normal(size=(count, DIM))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    out = []
    for i in range(count):
        created = NOW - timedelta(days=days) + timedelta(days=days * (i + 0.5) / count)
        out.append(Message(id=f"t{topic}-{start + i}", text=f"{TOPICS[topic]} {i}", created_at=created,
                           channel="chat" if i % 2 else "email", rating=float(1 + i % 5),
                           customer_id=f"cust-{i % customer_pool}", sentiment=sentiment,
                           topic=None if topic == 4 else f"topic-{topic}", owner=f"team-{topic}"))
    return out, vectors.astype(np.float32)


def fill(store, topics=(0, 1, 2, 3), per_topic=80, days=35):
    for topic in topics:
        batch, vectors = messages(topic, per_topic, days)
        store.messages.upsert(batch, vectors)


def pipeline():
    return ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10))


def run(store, state, until=NOW, days=30, **kwargs):
    return run_recluster(store, state, until - timedelta(days=days), until, pipeline=pipeline(),
                         settings=ReclusterSettings(min_cluster_size=10), **kwargs)


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def cluster_of(store):
    return {batch_id: m.cluster_id for b in store.messages.iterate(MessageFilter(), with_vectors=False)
            for batch_id, m in zip(b.ids, b.messages, strict=True)}


def test_first_run_writes_registry_and_every_message_cluster(store, tmp_path):
    fill(store)
    report = run(store, tmp_path)
    assert report["clusters"] == 4 and report["noise_share"] == 0.0 and report["stability"] is None
    items = current_clusters(store, tmp_path)
    assert len(items) == 4
    by_topic = {}
    for message_id, cluster in cluster_of(store).items():
        if store.messages.get(message_id)[0].created_at >= NOW - timedelta(30):
            by_topic.setdefault(message_id.split("-")[0], set()).add(cluster)
    assert all(len(ids) == 1 and None not in ids for ids in by_topic.values())  # one cluster per topic
    assert len({next(iter(ids)) for ids in by_topic.values()}) == 4
    payload = items[0].payload
    for key in ("cluster_id", "name", "keywords", "size", "daily_counts", "sentiment_mix", "mean_rating", "channels",
                "first_seen", "last_seen", "status", "run_id", "examples", "growth"):
        assert key in payload, key
    assert payload["status"] == "stable" and payload["sentiment_mix"] == {"neutral": 1.0}
    assert {i.payload["topic"] for i in items} == {"topic-0", "topic-1", "topic-2", "topic-3"}
    assert all(i.payload["owner"] == "team-" + i.payload["topic"][-1] for i in items)
    words = {w for item in items for keyword in item.payload["keywords"] for w in keyword.split()}
    assert {"courier", "card", "refund", "password"} <= words
    assert read_current(tmp_path).applied


def test_a_window_shifted_by_a_day_keeps_every_id(store, tmp_path):
    fill(store)
    run(store, tmp_path, until=NOW - timedelta(days=1))
    before = {i.payload["cluster_id"] for i in current_clusters(store, tmp_path)}
    report = run(store, tmp_path)
    after = {i.payload["cluster_id"] for i in current_clusters(store, tmp_path)}
    assert before == after and report["new_ids"] == [] and report["stability"] >= 0.95
    assert report["compared_messages"] > 200
    assert store.clusters.count() == 4  # the previous run's items are gone


def test_a_new_topic_gets_a_new_id_and_is_emerging(store, tmp_path):
    fill(store)
    run(store, tmp_path)
    old = {i.payload["cluster_id"] for i in current_clusters(store, tmp_path)}
    batch, vectors = messages(4, 40, days=5)
    store.messages.upsert(batch, vectors)
    report = run(store, tmp_path, until=NOW + timedelta(hours=1))
    items = {i.payload["cluster_id"]: i.payload for i in current_clusters(store, tmp_path)}
    new = set(items) - old
    assert old <= set(items) and len(new) == 1 and report["new_ids"] == list(new)
    fresh = items[new.pop()]
    assert fresh["status"] == "new" and fresh["emerging"] and "crashes" in " ".join(fresh["keywords"])
    assert fresh["mapping"] == "unmapped: candidate new topic" and fresh["topic"] is None
    assert all(items[c]["status"] == "stable" for c in old)


def test_a_run_that_stops_before_the_switch_leaves_the_previous_run_in_force(store, tmp_path, monkeypatch):
    fill(store)
    run(store, tmp_path, until=NOW - timedelta(days=1))
    state, assignments = read_current(tmp_path), cluster_of(store)
    import jobs.recluster

    def crash(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(jobs.recluster, "write_current", crash)
    with pytest.raises(OSError):
        run(store, tmp_path)
    assert read_current(tmp_path) == state and cluster_of(store) == assignments
    assert len(current_clusters(store, tmp_path)) == 4
    monkeypatch.undo()
    report = run(store, tmp_path)
    assert report["run_id"] == "r2" and store.clusters.count() == 4  # the half-written run's items are gone


def test_a_run_stopped_during_write_back_is_finished_by_the_next(store, tmp_path, monkeypatch):
    fill(store)
    calls = []
    original = store.messages.set_clusters

    def flaky(changes):
        calls.append(len(changes))
        if len(calls) == 1:
            raise ConnectionError("store went away")
        return original(changes)

    monkeypatch.setattr(store.messages, "set_clusters", flaky)
    with pytest.raises(ConnectionError):
        run(store, tmp_path)
    assert read_current(tmp_path).applied is False
    run(store, tmp_path, until=NOW + timedelta(hours=1))
    assert read_current(tmp_path).applied and None not in {
        c for m, c in cluster_of(store).items() if store.messages.get(m)[0].created_at >= NOW - timedelta(29)}


def test_a_second_process_running_into_the_same_folder_is_refused(store, tmp_path):
    """The run lock is an flock on the state folder, so it holds across processes (a CronJob and a
    replica's admin call on the shared folder); a second open file stands in for the other process."""
    from jobs.state import RunLockedError, run_lock

    fill(store)
    run(store, tmp_path, until=NOW - timedelta(days=1))
    state = read_current(tmp_path)
    with run_lock(tmp_path), pytest.raises(RunLockedError, match="already re-clustering"):
        run(store, tmp_path)
    assert read_current(tmp_path) == state
    assert run(store, tmp_path)["run_id"] == "r2"  # the lock went with its holder


def test_empty_and_tiny_windows_are_refused_and_change_nothing(store, tmp_path):
    with pytest.raises(ReclusterError, match="0 messages"):
        run(store, tmp_path)
    batch, vectors = messages(0, 5, days=3)
    store.messages.upsert(batch, vectors)
    with pytest.raises(ReclusterError, match="at least 10"):
        run(store, tmp_path)
    assert read_current(tmp_path) is None and store.clusters.count() == 0


def test_a_damaged_previous_run_is_reported_not_overwritten(store, tmp_path):
    fill(store)
    (tmp_path / POINTER).write_text("{not json", encoding="utf-8")
    with pytest.raises(StateError, match="cannot be read"):
        run(store, tmp_path)
    assert (tmp_path / POINTER).read_text(encoding="utf-8") == "{not json"


def test_embedded_store_runs_too(tmp_path):
    with open_store("embedded", path=tmp_path / "store", dimension=DIM) as embedded:
        fill(embedded, topics=(0, 1), per_topic=40)
        report = run(embedded, tmp_path / "clusters")
    assert report["clusters"] == 2


def test_new_messages_between_runs_get_the_cluster_the_run_gave_their_neighbours(store, tmp_path):
    from jobs.matcher import CurrentClusters

    assert CurrentClusters.load(store, tmp_path) is None
    fill(store)
    run(store, tmp_path)
    matcher = CurrentClusters.load(store, tmp_path)
    batch, vectors = messages(2, 5, days=1, start=1000, seed=7)
    expected = store.messages.get("t2-79")[0].cluster_id  # the newest of its topic
    assert expected is not None
    far = -centres().mean(axis=0, keepdims=True)
    matches = matcher.nearest(np.vstack([vectors, far / np.linalg.norm(far)]))
    assert [m.cluster_id for m in matches[:5]] == [expected] * 5 and matches[5] is None
    assert matches[0].status == "stable" and matches[0].similarity > matcher.model.threshold


def test_the_run_reports_client_debt_with_the_analysts_decisions(store, tmp_path):
    fill(store)
    batch, vectors = messages(4, 40, days=5)
    store.messages.upsert(batch, vectors)
    first = run(store, tmp_path)
    (unmapped,) = [row["key"] for row in first["debt"] if row["kind"] == "unmapped"]
    mapped = [row["key"] for row in first["debt"] if row["kind"] == "cluster"]
    decisions = {unmapped: {"topic": "crashes", "owner": "it", "decision": "promoted", "name": "Вылеты"},
                 mapped[0]: {"noise": True}, mapped[1]: {"merged_into": mapped[2]}}
    again = run(store, tmp_path, until=NOW + timedelta(hours=1), decisions=decisions)
    rows = {row["key"]: row for row in again["debt"]}
    assert rows[unmapped]["kind"] == "cluster" and rows[unmapped]["name"] == "Вылеты"
    assert mapped[0] not in rows and mapped[1] not in rows
    sizes = {i.payload["cluster_id"]: i.payload["size"] for i in current_clusters(store, tmp_path)}
    assert rows[mapped[2]]["contacts"] == sizes[mapped[1]] + sizes[mapped[2]]


def test_each_step_of_the_fit_is_said_as_it_starts(store, tmp_path):
    fill(store)
    lines = []
    run(store, tmp_path, log=lines.append)
    steps = [line for line in lines if line.startswith(("reducing", "finding", "naming")) or "groups found" in line]
    assert [step.split()[0] for step in steps] == ["reducing", "finding", "4", "naming"], lines
