"""What an operator runs into with the nightly job: tiny windows, one text sent again and again,
short windows and the growth baseline, an attempt stopped before the switch, odd payloads, Ctrl+C."""

from datetime import timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from clustering import ClusterPipeline
from clustering.tight import copies_together
from jobs import ReclusterError, ReclusterSettings, current_clusters, read_current, run_recluster
from jobs.debt_report import debt_report
from jobs.recluster import growth_baseline
from jobs.state import item_id
from store import Message, open_store
from tests.test_jobs_recluster import DIM, NOW, centres, cluster_of, fill, messages, pipeline, run

runner = CliRunner()


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def copies(count, text="Карта так и не пришла", topic=0, prefix="same"):
    vectors = np.repeat(centres()[topic : topic + 1], count, axis=0).astype(np.float32)
    batch = [Message(id=f"{prefix}-{i}", text=text, created_at=NOW - timedelta(days=1 + i % 20)) for i in range(count)]
    return batch, vectors


def test_a_window_of_two_messages_runs_with_the_default_pipeline(store, tmp_path):
    """UMAP dropped the one edge between two centred (opposite) vectors and failed on the empty graph."""
    batch, vectors = messages(0, 2, days=3)
    store.messages.upsert(batch, vectors)
    report = run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW,
                           settings=ReclusterSettings(min_cluster_size=2, min_samples=1))
    assert report["messages"] == 2 and read_current(tmp_path).applied


def test_a_window_where_no_cluster_is_found_leaves_the_run_in_force_and_its_ids(store, tmp_path):
    """A run over a few scattered messages (a mistyped --since 12h) put an empty registry in force: the
    next run matched none of the clusters before it, and every cluster came back new."""
    fill(store)
    first = run(store, tmp_path, until=NOW - timedelta(days=1))
    for topic in (0, 1):  # two unrelated messages alone in the last hours
        batch, vectors = messages(topic, 1, days=1, start=900)
        store.messages.upsert([Message(**{**batch[0].__dict__, "created_at": NOW + timedelta(hours=topic)})],
                              vectors)
    state, assignments = read_current(tmp_path), cluster_of(store)
    with pytest.raises(ReclusterError, match=r"no cluster among the 2 messages .* in force \(r1, 4 clusters\)"):
        run_recluster(store, tmp_path, NOW, NOW + timedelta(hours=3),
                      settings=ReclusterSettings(min_cluster_size=2, min_samples=1))
    assert read_current(tmp_path) == state and cluster_of(store) == assignments
    report = run(store, tmp_path)
    assert report["run_id"] == "r2" and report["new_ids"] == [] and report["kept_ids"] == first["clusters"]


def test_one_text_sent_hundreds_of_times_is_one_cluster_with_the_default_pipeline(store, tmp_path):
    """UMAP spreads the copies of one text over a region of their own, which HDBSCAN cut into pieces
    (300 copies: 2 clusters, 1,000: 14)."""
    store.messages.upsert(*copies(300))
    report = run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW)
    assert report["clusters"] == 1 and report["noise_share"] == 0.0
    assert len(set(cluster_of(store).values())) == 1


def test_the_copies_of_each_text_stay_together_beside_other_copies():
    vectors = np.vstack([np.repeat(centres()[topic : topic + 1], 150, axis=0) for topic in range(3)])
    texts = [text for text in ("карта не пришла", "refund please", "app crashes") for _ in range(150)]
    labels = ClusterPipeline(min_cluster_size=10).fit(vectors, texts).labels_
    assert [len(set(labels[i : i + 150].tolist())) for i in (0, 150, 300)] == [1, 1, 1]
    assert len(set(labels.tolist())) == 3


def test_copies_together_takes_the_cluster_most_copies_are_in_and_renumbers():
    texts = ["a", "a", "a", "b", "b", "c"]
    labels = np.array([2, 0, 2, -1, 1, 3])
    assert copies_together(texts, labels).tolist() == [1, 1, 1, 0, 0, 2]  # cluster 0 lost its only member
    assert copies_together(texts, np.array([0, 1, -1, -1, -1, -1])).tolist() == [0, 0, 0, -1, -1, -1]  # a tie
    assert copies_together(["a", "b", "c"], np.array([1, -1, 0])).tolist() == [1, -1, 0]  # no copies: as given


def steady(store, per_day=10, days=40):
    for topic in range(4):
        batch, vectors = messages(topic, per_day * days, days)
        store.messages.upsert(batch, vectors)


@pytest.mark.parametrize("days", [7, 10, 14, 30])
def test_steady_traffic_is_not_growing_whatever_the_window(store, tmp_path, days):
    """The baseline was always 28 days, also before the window's start, where the run reads nothing:
    in a 30-day window a steady cluster grew 1.21×, in a 7–14-day one every cluster was growing."""
    steady(store)
    report = run(store, tmp_path, days=days)
    assert report["statuses"]["growing"] == 0 and report["emerging"] == 0
    for item in current_clusters(store, tmp_path, with_vectors=False):
        assert 0.9 <= item.payload["growth"]["ratio"] <= 1.1, item.payload["growth"]
    assert report["growth"]["measured"] is (days >= 14)


def test_the_growth_baseline_counts_whole_days_of_the_window_only():
    today = NOW.date()
    assert growth_baseline(NOW - timedelta(days=30), today, 7, 28) == 23
    assert growth_baseline(NOW - timedelta(days=60), today, 7, 28) == 28
    assert growth_baseline(NOW - timedelta(days=30, hours=-3), today, 7, 28) == 22  # the first day is partial
    assert growth_baseline(NOW - timedelta(days=5), today, 7, 28) == 0


def test_a_surge_in_a_steady_window_is_still_growing(store, tmp_path):
    steady(store, per_day=3)
    batch, vectors = messages(0, 150, days=5, start=10_000)
    store.messages.upsert(batch, vectors)
    report = run(store, tmp_path)
    assert report["statuses"]["growing"] == 1


def test_an_attempt_stopped_before_the_switch_leaves_no_items_once_the_run_is_redone(store, tmp_path):
    """The retry takes the same run id; items the stopped attempt minted under other ids stayed, since
    they carried the run id in force."""
    fill(store)
    run(store, tmp_path, until=NOW - timedelta(days=1))
    orphan = current_clusters(store, tmp_path)[0]
    store.clusters.upsert([item_id("r2", "c2-9")], orphan.vector[None, :],
                          [{**orphan.payload, "cluster_id": "c2-9", "run_id": "r2"}])
    report = run(store, tmp_path)
    assert report["run_id"] == "r2"
    assert store.clusters.count() == report["clusters"] == len(read_current(tmp_path).cluster_ids)


@pytest.mark.parametrize("extra", [{"analysis": "ok"}, {"analysis": {"metadata": ["complaint"]}},
                                   {"analysis": []}, {"analysis": {"metadata": {"complaint": ["yes"]}}}])
def test_the_debt_report_reads_messages_whose_analysis_is_no_object(store, tmp_path, extra):
    """Messages written by other tools may hold anything under extra.analysis; it marked no complaint
    but stopped the report with an AttributeError."""
    fill(store)
    batch, vectors = messages(0, 3, days=5, start=500)
    store.messages.upsert([Message(**{**m.__dict__, "extra": extra}) for m in batch], vectors)
    report = debt_report(store, tmp_path, NOW - timedelta(days=30), NOW)
    assert report["contacts"] == 4 * 69 + 3
    assert all(row["components"]["complaints"] == 0 for row in report["rows"])


def interrupt(*args, **kwargs):
    raise KeyboardInterrupt


def recluster_cli(folder, tiny_model_dir):
    return runner.invoke(app, ["recluster", "--data-dir", str(folder), "--model", str(tiny_model_dir),
                               "--models-dir", str(tiny_model_dir.parent), "--since", "30d", "--until",
                               NOW.isoformat(), "--min-cluster-size", "10"])


@pytest.mark.parametrize("stage, first_run, words", [
    ("read_window", False, "no run is in force; nothing was changed"),
    ("read_window", True, "the run in force (r1) stays"),
    ("_apply", True, "r2 is in force but its cluster ids were only partly written"),
])
def test_ctrl_c_says_in_one_line_which_run_is_in_force(tmp_path, tiny_model_dir, monkeypatch, stage, first_run,
                                                       words):
    """Ctrl+C ended the command with no word (typer's exit code 130 alone)."""
    import jobs.recluster

    folder = tmp_path / "data"
    with open_store("embedded", path=folder / "store", dimension=DIM) as opened:
        fill(opened)
        if first_run:
            run(opened, folder / "clusters")
    if stage == "_apply":  # stop at the write-back, after the new run was put in force
        monkeypatch.setattr(jobs.recluster, "ClusterPipeline", lambda **kwargs: pipeline())
    monkeypatch.setattr(jobs.recluster, stage, interrupt)
    result = recluster_cli(folder, tiny_model_dir)
    lines = [line for line in result.stderr.splitlines() if line.strip().startswith("error")]
    assert result.exit_code == 130 and len(lines) == 1 and lines[0].startswith("error: interrupted; ")
    assert words in lines[0] and "Traceback" not in result.output, result.output


def test_the_write_back_leaves_out_messages_deleted_meanwhile_without_going_one_by_one(store):
    from jobs.recluster import _write

    batch, vectors = messages(0, 300, days=3)
    store.messages.upsert(batch, vectors)
    store.messages.delete([m.id for m in batch[::50]])  # retention or an erasure since the window was read
    calls = []
    write = store.messages.set_clusters
    store.messages.set_clusters = lambda changes: calls.append(len(changes)) or write(changes)
    assert _write(store, {m.id: "c1-1" for m in batch}) == 294
    assert calls == [300, 294]  # the rest in one write, not 294 single ones
    kept = store.messages.get_many([m.id for m in batch[1:50]]).messages
    assert {m.cluster_id for m in kept} == {"c1-1"}
