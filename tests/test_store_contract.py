"""The store contract: the same scenarios on the embedded engine and the server backend.

The server backend runs against qdrant-client's in-process mode as its stand-in.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date, timedelta

import numpy as np
import pytest

from store import Message, MessageFilter, open_store
from tests.store_helpers import DIM, START, TOPICS, make_messages, make_vectors, unit

N = 60


def _open(kind: str, tmp_path, dimension: int = DIM, prefix: str = "voc"):
    if kind == "embedded":
        return open_store("embedded", path=tmp_path / "store", dimension=dimension, prefix=prefix)
    return open_store("server", url=":memory:", dimension=dimension, prefix=prefix)


@pytest.fixture(params=["embedded", "server"])
def store(request, tmp_path):
    with _open(request.param, tmp_path) as opened:
        yield opened


@pytest.fixture
def filled(store):
    store.messages.upsert(make_messages(N), make_vectors(N))
    return store


def test_upsert_is_idempotent_by_id(store):
    assert store.messages.upsert(make_messages(10), make_vectors(10)) == 10
    assert store.messages.upsert(make_messages(10), make_vectors(10)) == 10
    assert store.messages.count() == 10
    changed = [Message(**{**m.__dict__, "text": "edited"}) for m in make_messages(3)]
    store.messages.upsert(changed, make_vectors(3))
    assert store.messages.count() == 10
    assert store.messages.get("msg-1")[0].text == "edited"


def test_get_round_trips_every_field(filled):
    original = make_messages(N)[7]
    found, vector = filled.messages.get("msg-7", with_vector=True)
    assert found == Message(**{**original.__dict__, "created_at": original.created_at})
    assert found.extra == {"analysis": {"confidence": 0.5, "tags": ["a", "b"]}, "order_id": "o7"}
    np.testing.assert_allclose(vector, unit(make_vectors(1, offset=7))[0], atol=1e-5)
    assert filled.messages.get("missing") is None
    batch = filled.messages.get_many(["msg-3", "nope", "msg-1"])
    assert batch.ids == ["msg-3", "msg-1"]


def test_search_returns_nearest_with_filters(filled):
    query = make_vectors(1, offset=12)[0]
    hits = filled.messages.search(query, limit=3)
    assert hits[0].message.id == "msg-12"
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    only_chat = filled.messages.search(query, MessageFilter(channel="chat"), limit=100)
    assert only_chat and all(h.message.channel == "chat" for h in only_chat)
    assert len(only_chat) == N // 3
    window = MessageFilter(created_from=START + timedelta(hours=70), created_to=START + timedelta(hours=140))
    in_window = filled.messages.search(query, window, limit=100)
    assert sorted(int(h.message.id.split("-")[1]) for h in in_window) == list(range(10, 20))
    combined = MessageFilter(topic=["billing", "login"], owner="team-0", sentiment="negative", customer_id="cust-0")
    hits = filled.messages.search(query, combined, limit=100)
    expected = {
        m.id
        for m in make_messages(N)
        if m.topic in ("billing", "login")
        and m.owner == "team-0"
        and m.sentiment == "negative"
        and m.customer_id == "cust-0"
    }
    assert {h.message.id for h in hits} == expected


def test_iterate_covers_a_window_in_pages(filled):
    window = MessageFilter(created_from=START, created_to=START + timedelta(hours=7 * 40))
    seen, pages = [], 0
    for batch in filled.messages.iterate(window, batch_size=7):
        assert len(batch.ids) <= 7
        assert batch.vectors.shape == (len(batch.ids), DIM)
        seen.extend(batch.ids)
        pages += 1
    assert sorted(seen) == sorted(f"msg-{i}" for i in range(40))
    assert pages >= 6
    no_vectors = next(filled.messages.iterate(batch_size=5, with_vectors=False))
    assert no_vectors.vectors is None


def test_cluster_ids_written_back_in_batches(filled):
    assignments = {f"msg-{i}": f"c{i % 3}" for i in range(30)}
    assert filled.messages.set_clusters(assignments) == 30
    assert filled.messages.count(MessageFilter(cluster_id="c1")) == 10
    hits = filled.messages.search(make_vectors(1)[0], MessageFilter(cluster_id="c2"), limit=50)
    assert {h.message.id for h in hits} == {f"msg-{i}" for i in range(30) if i % 3 == 2}
    assert filled.messages.get("msg-4")[0].text == "message number 4"  # other fields kept
    filled.messages.update({"msg-4": {"topic": "refund", "owner": None}})
    updated = filled.messages.get("msg-4")[0]
    assert updated.topic == "refund" and updated.owner is None
    assert updated.extra == make_messages(5)[4].extra
    assert updated.cluster_id == "c1"


def test_counts_by_topic_and_day(filled):
    counts = filled.messages.counts_by_day("topic", date(2024, 5, 1), date(2024, 5, 4))
    expected: dict[str, dict[date, int]] = {}
    for m in make_messages(N):
        if m.created_day < date(2024, 5, 4):
            expected.setdefault(m.topic, {}).setdefault(m.created_day, 0)
            expected[m.topic][m.created_day] += 1
    assert counts == expected
    assert set(counts) == set(TOPICS)
    only_email = MessageFilter(channel="email")
    email = filled.messages.counts_by_day("channel", date(2024, 5, 1), date(2024, 5, 30), only_email)
    assert set(email) == {"email"} and sum(email["email"].values()) == N // 3


def _without_channel(store, ids, how: str) -> None:
    """Leave the stored channel of these messages as data written before channels were stored as
    "other" may have it: no key at all, a null, or an empty string."""
    from store.records import point_id

    collection = store._collections["messages"]
    pids = [point_id(message_id) for message_id in ids]
    if how == "null":
        collection.set_payload(pids, {"channel": None})
        return
    page = collection.retrieve(pids, with_vectors=True)
    payloads = [{k: v for k, v in p.items() if k != "channel"} for p in page.payloads]
    if how == "empty":
        payloads = [{**p, "channel": ""} for p in payloads]
    collection.delete(list(page.ids))
    collection.upsert(list(page.ids), page.vectors, payloads)


def _found_as_other(store, expected: set[str]) -> None:
    other = MessageFilter(channel="other")
    assert store.messages.count(other) == len(expected)
    assert {h.message.id for h in store.messages.search(make_vectors(1)[0], other, limit=100)} == expected
    assert {i for batch in store.messages.iterate(other, batch_size=3) for i in batch.ids} == expected
    assert all(m.channel == "other" for m in store.messages.get_many(sorted(expected)).messages)
    either = MessageFilter(channel=["chat", "other"])
    chat = {m.id for m in make_messages(N) if m.channel == "chat"} - expected
    assert store.messages.count(either) == len(expected | chat)
    assert store.messages.count(MessageFilter(channel="email")) == len(
        {m.id for m in make_messages(N) if m.channel == "email"} - expected)
    counts = store.messages.counts_by_day("channel", date(2024, 5, 1), date(2024, 6, 1))
    assert sum(counts.get("other", {}).values()) == len(expected) and "" not in counts
    assert sum(sum(days.values()) for days in counts.values()) == N


def test_a_message_stored_without_a_channel_is_found_under_other(store):
    """It reads back as channel "other", so a filter on "other" finds it (search, count, iterate)."""
    messages = [replace(m, channel=None) if i in (1, 4) else m for i, m in enumerate(make_messages(N))]
    store.messages.upsert(messages, make_vectors(N))
    assert store.messages.get("msg-1")[0].channel == "other"
    stored = store._collections["messages"].facet("channel", (), 100)
    assert stored["other"] == 2, "a missing channel is stored as the one it reads back as"
    _found_as_other(store, {"msg-1", "msg-4"})
    store.messages.update({"msg-7": {"channel": None}})
    assert store.messages.get("msg-7")[0].channel == "other"
    _found_as_other(store, {"msg-1", "msg-4", "msg-7"})
    assert store.messages.delete_where(MessageFilter(channel="other")) == 3


@pytest.mark.parametrize("how", ["missing", "null", "empty"])
def test_messages_stored_earlier_without_a_channel_are_found_under_other(filled, how):
    """Data already in a store keeps working: no channel key, a null or "" also reads as "other"."""
    _without_channel(filled, ["msg-2", "msg-6"], how)
    assert filled.messages.get("msg-2")[0].channel == "other"
    _found_as_other(filled, {"msg-2", "msg-6"})


@pytest.mark.parametrize("field", ["priority", "customer_segment"])
def test_counts_by_a_field_without_payload_index(filled, field):
    from store.messages import INDEXED_FIELDS

    assert field not in INDEXED_FIELDS  # counted by a scan of the window, not by the index
    only_email = MessageFilter(channel="email")
    counts = filled.messages.counts_by_day(field, date(2024, 5, 2), date(2024, 5, 6), only_email)
    expected: dict[str, dict[date, int]] = {}
    for m in make_messages(N):
        if m.channel == "email" and date(2024, 5, 2) <= m.created_day < date(2024, 5, 6):
            per_day = expected.setdefault(getattr(m, field), {})
            per_day[m.created_day] = per_day.get(m.created_day, 0) + 1
    assert counts == expected and sum(map(len, counts.values())) > 1


def test_filters_on_fields_without_payload_index(filled):
    hits = filled.messages.search(make_vectors(1)[0], MessageFilter(priority="P2", customer_segment="smb"), limit=N)
    expected = {m.id for m in make_messages(N) if m.priority == "P2" and m.customer_segment == "smb"}
    assert {hit.message.id for hit in hits} == expected
    assert filled.messages.count(MessageFilter(priority=["P1", "P3"])) == N // 2


def test_delete_by_id_and_by_filter(filled):
    assert filled.messages.delete(["msg-0", "msg-1", "never"]) == 2
    assert filled.messages.get("msg-0") is None
    erased = filled.messages.delete_where(MessageFilter(customer_id="cust-5"))
    assert erased == N // 10
    assert filled.messages.count(MessageFilter(customer_id="cust-5")) == 0
    cutoff = START + timedelta(hours=7 * 30)
    old = filled.messages.delete_where(MessageFilter(created_to=cutoff))
    assert filled.messages.count(MessageFilter(created_to=cutoff)) == 0
    assert filled.messages.count() == N - 2 - erased - old


def test_contact_history_counts(filled):
    count = filled.messages.count_contacts("cust-0", "billing", START, START + timedelta(days=30))
    matching = [m for m in make_messages(N) if m.customer_id == "cust-0" and m.topic == "billing"]
    assert count == len(matching) > 1
    without_one = filled.messages.count_contacts("cust-0", "billing", START, START + timedelta(days=30),
                                                 excluding=matching[0].id)
    assert without_one == count - 1
    other = next(m for m in make_messages(N) if m.customer_id != "cust-0")
    assert filled.messages.count_contacts("cust-0", "billing", START, START + timedelta(days=30),
                                          excluding=other.id) == count
    assert filled.messages.count_contacts("cust-0", "billing", START, START + timedelta(days=30),
                                          excluding="not-stored") == count


def test_clusters_and_prototypes(store):
    centroids = make_vectors(4, offset=100)
    store.clusters.upsert(
        ["c0", "c1", "c2", "c3"], centroids, [{"status": "new" if i < 2 else "stable", "size": i} for i in range(4)]
    )
    assert [item.id for item in store.clusters.all()] == ["c0", "c1", "c2", "c3"]
    assert [item.id for item in store.clusters.all({"status": "new"})] == ["c0", "c1"]
    nearest = store.clusters.search(centroids[2], limit=1)
    assert nearest[0].id == "c2" and nearest[0].payload == {"status": "stable", "size": 2}
    assert store.clusters.search(centroids[2], limit=1, where={"status": "new"})[0].id in {"c0", "c1"}
    store.prototypes.upsert(["p0", "p1", "p2"], make_vectors(3, offset=200), [{"topic": t} for t in TOPICS[:3]])
    got = store.prototypes.get(["p1"])
    np.testing.assert_allclose(got[0].vector, unit(make_vectors(1, offset=201))[0], atol=1e-5)
    assert store.prototypes.delete_where({"topic": "billing"}) == 1
    assert store.prototypes.count() == 2
    assert store.clusters.delete(["c0", "zz"]) == 1


def test_backup_and_restore(filled, tmp_path):
    filled.clusters.upsert(["c0"], make_vectors(1, offset=9), [{"status": "new"}])
    snapshot = filled.backup(tmp_path / "snap")
    filled.messages.delete(["msg-3"])
    filled.messages.upsert(make_messages(5, offset=500), make_vectors(5, offset=500))
    restored = filled.restore(snapshot)
    assert restored == {"messages": N, "clusters": 1, "prototypes": 0}
    assert filled.messages.count() == N
    assert filled.messages.get("msg-3") is not None and filled.messages.get("msg-500") is None
    assert filled.messages.search(make_vectors(1, offset=3)[0], limit=1)[0].message.id == "msg-3"


def test_snapshot_moves_between_backends(tmp_path):
    with _open("embedded", tmp_path) as embedded:
        embedded.messages.upsert(make_messages(20), make_vectors(20))
        snapshot = embedded.backup(tmp_path / "snap")
    with _open("server", tmp_path) as server:
        server.restore(snapshot)
        assert server.messages.count() == 20
        assert server.messages.get("msg-9")[0] == make_messages(20)[9]


def test_reopen_keeps_data_and_checks_dimension(tmp_path):
    with _open("embedded", tmp_path) as store:
        store.messages.upsert(make_messages(5), make_vectors(5))
    with _open("embedded", tmp_path) as store:
        assert store.messages.count() == 5
    from store import DimensionMismatchError

    with pytest.raises(DimensionMismatchError):
        _open("embedded", tmp_path, dimension=DIM * 2)
    with _open("embedded", tmp_path) as store:  # the refused open released the lock
        assert store.messages.count() == 5


def test_restore_checks_the_snapshot_before_deleting(filled, tmp_path):
    from store import SnapshotError

    snapshot = filled.backup(tmp_path / "snap")
    with pytest.raises(SnapshotError):
        filled.backup(tmp_path / "snap")  # never overwrites
    (snapshot / "messages" / "part-00000.npy").unlink()
    with pytest.raises(SnapshotError, match="missing"):
        filled.restore(snapshot)
    with pytest.raises(SnapshotError):
        filled.restore(tmp_path / "nowhere")
    with _open("server", tmp_path, dimension=DIM + 1, prefix="other") as other:
        other_snapshot = other.backup(tmp_path / "other")
    with pytest.raises(SnapshotError, match="dimension"):
        filled.restore(other_snapshot)
    assert filled.messages.count() == N


def _fail_once(collection, monkeypatch, at_call: int, error: BaseException) -> None:
    """The collection's `at_call`-th upsert from now on raises `error`; every other goes through."""
    real, calls = collection.upsert, []

    def upsert(ids, vectors, payloads):
        calls.append(len(ids))
        if len(calls) == at_call:
            raise error
        real(ids, vectors, payloads)

    monkeypatch.setattr(collection, "upsert", upsert)


def _state(store) -> tuple:
    messages = {m.id: m for batch in store.messages.iterate(batch_size=50) for m in batch.messages}
    clusters = {item.id: item.payload for item in store.clusters.all()}
    return messages, clusters, store.messages.count(MessageFilter(topic="refund"))


@pytest.mark.parametrize("where", ["messages", "clusters", "interrupted"])
def test_a_restore_that_fails_midway_leaves_the_store_as_it_was(filled, tmp_path, monkeypatch, where):
    """The snapshot checks out, then the engine fails while a table is being replaced (or the user
    presses Ctrl+C): every table keeps its previous contents, and the store stays usable."""
    import store.snapshot as snapshot_module
    from store import BackendError

    filled.clusters.upsert(["c0"], make_vectors(1, offset=9), [{"status": "new"}])
    monkeypatch.setattr(snapshot_module, "PAGE", 16)  # several parts a table: a failure mid-table
    snapshot = filled.backup(tmp_path / "snap")
    filled.messages.delete(["msg-3"])
    filled.messages.upsert(make_messages(5, offset=500), make_vectors(5, offset=500))
    filled.messages.update({"msg-4": {"topic": "refund"}})
    filled.clusters.upsert(["c1"], make_vectors(1, offset=10), [{"status": "emerging"}])
    before = _state(filled)
    error = KeyboardInterrupt() if where == "interrupted" else BackendError("disk full")
    _fail_once(filled._collections["clusters" if where == "clusters" else "messages"], monkeypatch,
               1 if where == "clusters" else 3, error)
    with pytest.raises(type(error)):
        filled.restore(snapshot)
    assert _state(filled) == before
    assert filled.messages.search(make_vectors(1, offset=500)[0], limit=1)[0].message.id == "msg-500"
    assert not list(tmp_path.glob("snap.*"))  # nothing left beside the snapshot
    assert filled.restore(snapshot) == {"messages": N, "clusters": 1, "prototypes": 0}  # then it goes through
    assert filled.messages.get("msg-3") is not None and filled.messages.get("msg-500") is None
    filled.messages.upsert(make_messages(1, offset=900), make_vectors(1, offset=900))
    assert filled.messages.count() == N + 1


def test_a_restore_that_cannot_put_the_previous_contents_back_says_where_they_are(filled, tmp_path,
                                                                                 monkeypatch):
    from store import BackendError, SnapshotError

    snapshot = filled.backup(tmp_path / "snap")
    filled.messages.upsert(make_messages(5, offset=500), make_vectors(5, offset=500))
    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(SnapshotError, match="cannot write .* name another folder"):
        filled.restore(snapshot, previous=tmp_path / "file" / "kept")
    assert filled.messages.count() == N + 5  # refused before anything changed
    collection = filled._collections["messages"]

    def broken(ids, vectors, payloads):
        raise BackendError("the server went away")

    monkeypatch.setattr(collection, "upsert", broken)
    with pytest.raises(SnapshotError, match="kept in") as raised:
        filled.restore(snapshot, previous=tmp_path / "kept")
    assert str(tmp_path / "kept") in str(raised.value) and "the server went away" in str(raised.value)
    monkeypatch.undo()
    with pytest.raises(SnapshotError, match="exists"):  # never written over: it may hold the only copy
        filled.restore(snapshot, previous=tmp_path / "kept")
    assert filled.restore(tmp_path / "kept") == {"messages": N + 5, "clusters": 0, "prototypes": 0}
    assert filled.messages.get("msg-504") is not None


def _damage(snapshot, kind: str) -> None:
    part = snapshot / "messages" / "part-00000"
    lines = part.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    manifest = json.loads((snapshot / "manifest.json").read_text(encoding="utf-8"))
    if kind == "json":
        part.with_suffix(".jsonl").write_text("".join(lines[:-1]) + lines[-1][:40] + "\n", encoding="utf-8")
    elif kind == "npy":
        part.with_suffix(".npy").write_bytes(part.with_suffix(".npy").read_bytes()[:200])
    elif kind == "nan":
        np.save(part.with_suffix(".npy"), np.full((N, DIM), np.nan, dtype=np.float32))
    elif kind == "dimension":
        np.save(part.with_suffix(".npy"), np.ones((N, DIM + 1), dtype=np.float32))
    elif kind == "point":
        rows = [json.loads(line) for line in lines]
        rows[5]["point"] = "not-a-uuid"
        part.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    elif kind == "cluster":  # the messages are fine; a later table is not
        (snapshot / "clusters" / "part-00000.jsonl").write_text("garbage\n", encoding="utf-8")
    elif kind == "points":
        manifest["tables"]["messages"]["parts"] = 0
    elif kind == "tables":
        del manifest["tables"]["clusters"]
    (snapshot / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("kind", ["json", "npy", "nan", "dimension", "point", "cluster", "points", "tables"])
def test_a_damaged_snapshot_is_refused_before_anything_is_deleted(filled, tmp_path, kind):
    from store import SnapshotError

    filled.clusters.upsert(["c0"], make_vectors(1, offset=9), [{"status": "new"}])
    snapshot = filled.backup(tmp_path / "snap")
    _damage(snapshot, kind)
    with pytest.raises(SnapshotError):
        filled.restore(snapshot)
    assert filled.messages.count() == N and filled.clusters.count() == 1
    assert filled.messages.get("msg-7")[0] == make_messages(N)[7]


def test_a_backup_that_cannot_be_written_is_a_snapshot_error(filled, tmp_path):
    from store import SnapshotError

    (tmp_path / "file").write_text("x", encoding="utf-8")
    with pytest.raises(SnapshotError, match="cannot write"):
        filled.backup(tmp_path / "file" / "snap")


def test_vectors_of_extreme_length_keep_their_direction(store):
    """Cosine only needs a direction; a float32 engine squaring 1e20 (or 1e-30) would lose it."""
    direction = unit(make_vectors(1, offset=3))[0]
    vectors = np.stack([direction * 1e20, direction * 1e-30]).astype(np.float32)
    store.messages.upsert(make_messages(2), vectors)
    for message_id in ("msg-0", "msg-1"):
        np.testing.assert_allclose(store.messages.get(message_id, with_vector=True)[1], direction, atol=1e-5)
    hits = store.messages.search(direction * 1e20, limit=2)
    assert [round(hit.score, 4) for hit in hits] == [1.0, 1.0]


def test_server_requests_stay_under_the_request_size_limit(monkeypatch):
    """Long texts fill a request long before 1024 points do; the server refuses one above 32 MiB."""
    from qdrant_client import QdrantClient

    sizes = []
    original = QdrantClient.upsert

    def measured(self, collection_name, points, **kwargs):
        sizes.append(len(points.model_dump_json().encode("utf-8")))
        return original(self, collection_name, points, **kwargs)

    monkeypatch.setattr(QdrantClient, "upsert", measured)
    long = [Message(**{**m.__dict__, "text": "ж" * 20_000}) for m in make_messages(1100)]
    with _open("server", None) as store:
        store.messages.upsert(long, make_vectors(1100))
        assert store.messages.count() == 1100
    assert len(sizes) > 2 and max(sizes) < 32 * 1024 * 1024


def test_writes_from_several_threads(store):
    from concurrent.futures import ThreadPoolExecutor

    def write(part: int) -> int:
        return store.messages.upsert(make_messages(25, offset=part * 25), make_vectors(25, offset=part * 25))

    with ThreadPoolExecutor(4) as pool:
        assert sum(pool.map(write, range(8))) == 200
    assert store.messages.count() == 200
