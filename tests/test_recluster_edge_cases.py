"""Careless and hostile input to the re-clustering job and its reports: tiny or identical windows,
bad bounds and settings, a damaged run folder, a store another process holds, the debt table."""

import re
import warnings
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from typer.testing import CliRunner

from cli.main import app
from cli.report import render_table
from clustering import SpellingBlend
from jobs import ReclusterError, ReclusterSettings, current_clusters, read_current, run_recluster
from jobs.debt_report import debt_report
from jobs.state import run_dir
from jobs.timespan import parse_window
from store import Message, open_store
from tests.test_jobs_recluster import DIM, NOW, centres, cluster_of, fill, messages, pipeline, run

runner = CliRunner()


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def identical(count):
    vectors = np.repeat(centres()[:1], count, axis=0).astype(np.float32)
    batch = [Message(id=f"same-{i}", text="Карта так и не пришла", created_at=NOW - timedelta(days=1 + i % 20))
             for i in range(count)]
    return batch, vectors


def test_a_window_of_one_text_sent_again_and_again_is_one_cluster(store, tmp_path):
    store.messages.upsert(*identical(30))
    report = run(store, tmp_path)
    assert report["clusters"] == 1 and report["noise_share"] == 0.0
    (item,) = current_clusters(store, tmp_path)
    assert item.payload["size"] == 30 and set(cluster_of(store).values()) == {item.payload["cluster_id"]}


def test_identical_texts_leave_no_numeric_warning_in_the_spelling_view():
    vectors = np.repeat(centres()[:1], 30, axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        SpellingBlend().fit_transform(vectors, ["Карта так и не пришла"] * 30)


def test_too_few_messages_before_any_run_do_not_speak_of_a_previous_run(store, tmp_path):
    batch, vectors = messages(0, 1, days=3)
    store.messages.upsert(batch, vectors)
    with pytest.raises(ReclusterError) as refused:
        run(store, tmp_path)
    assert "1 message with vectors" in str(refused.value) and "previous run" not in str(refused.value)
    assert "nothing was changed" in str(refused.value) and read_current(tmp_path) is None


def test_too_few_messages_after_a_run_name_the_run_that_stays(store, tmp_path):
    fill(store)
    run(store, tmp_path)
    with pytest.raises(ReclusterError, match=r"the run in force \(r1\) stays"):
        run(store, tmp_path, until=NOW - timedelta(days=40), days=2)


@pytest.mark.parametrize("settings, words", [
    (ReclusterSettings(min_cluster_size=0), "min_cluster_size 0"),
    (ReclusterSettings(min_cluster_size=-3), "min_cluster_size -3"),
    (ReclusterSettings(min_samples=0), "min_samples 0"),
    (ReclusterSettings(max_fit=0), "max_fit 0"),
    (ReclusterSettings(outlier_quantile=1.5), "outlier_quantile 1.5"),
])
def test_settings_out_of_range_are_refused_before_the_window_is_read(store, tmp_path, settings, words):
    fill(store)
    run(store, tmp_path)
    state = read_current(tmp_path)
    with pytest.raises(ReclusterError, match=words):
        run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW, settings=settings)
    assert read_current(tmp_path) == state and len(current_clusters(store, tmp_path)) == 4


def test_a_reversed_window_is_refused_in_the_jobs_own_words(store, tmp_path):
    fill(store)
    with pytest.raises(ReclusterError, match="the window is empty"):
        run_recluster(store, tmp_path, NOW, NOW - timedelta(days=30))
    with pytest.raises(ValueError, match="the period is empty"):
        debt_report(store, tmp_path, NOW, NOW - timedelta(days=30))
    assert not (tmp_path / "current.json").exists()


def test_a_window_without_a_zone_is_utc(store, tmp_path):
    fill(store)
    naive = run(store, tmp_path, until=NOW.replace(tzinfo=None))
    assert naive["until"] == NOW.isoformat() and naive["messages"] == run(store, tmp_path)["messages"]


def test_keeping_no_older_runs_still_keeps_the_run_in_force(store, tmp_path):
    fill(store)
    run(store, tmp_path)
    report = run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW,
                           settings=ReclusterSettings(min_cluster_size=10, keep_runs=0),
                           pipeline=pipeline())
    folder = run_dir(tmp_path, report["run_id"])
    assert (folder / "report.json").is_file() and (folder / "centroids.npy").is_file()
    assert sorted(p.name for p in (tmp_path / "runs").iterdir()) == [report["run_id"]]


def test_an_unfinished_run_whose_folder_was_removed_does_not_block_the_next(store, tmp_path):
    import shutil

    from jobs.state import write_current

    fill(store)
    run(store, tmp_path, until=NOW - timedelta(days=1))
    state = read_current(tmp_path)
    state.applied = False
    write_current(tmp_path, state)
    shutil.rmtree(run_dir(tmp_path, state.run_id))
    lines = []
    report = run(store, tmp_path, log=lines.append)
    assert report["run_id"] == "r2" and read_current(tmp_path).applied
    assert any("cannot be finished" in line for line in lines)
    recent = NOW - timedelta(days=29)
    assert None not in {c for m, c in cluster_of(store).items() if store.messages.get(m)[0].created_at >= recent}


def test_since_now_is_not_told_that_now_was_expected():
    with pytest.raises(ValueError) as refused:
        parse_window("now", "now", names=("--since", "--until"))
    assert "expected 'now'" not in str(refused.value)


def table_report(since):
    row = {"rank": 1, "score": 50.0, "kind": "topic", "name": "Доставка", "owner": "ops", "contacts": 3,
           "share_of_contacts": 1.0, "components": dict.fromkeys(
               ("volume", "share", "repeat", "negative", "rating", "complaints", "growth"), 0.5)}
    return {"since": since, "until": "2024-06-01T00:00:00+00:00", "contacts": 3, "groups": 1, "run_id": "r1",
            "orders": None, "rows": [row], "weights": {"volume": 0.2}}


def test_the_debt_table_names_its_period_in_utc_and_each_column_once():
    table = render_table(table_report("2024-05-01T00:00:00+05:00"))
    assert "2024-04-30 19:00 … 2024-06-01 00:00 UTC" in table.splitlines()[0]
    header = table.splitlines()[1].split("  ")
    names = [cell.strip() for cell in header if cell.strip()]
    assert len(names) == len(set(names)), names


def held_store(tmp_path):
    folder = tmp_path / "data"
    open_store("embedded", path=folder / "store", dimension=DIM).close()
    return folder


def model_args(tiny_model_dir):
    return ["--model", str(tiny_model_dir), "--models-dir", str(tiny_model_dir.parent)]


def test_report_debt_on_a_held_store_says_so_in_one_line(tmp_path, tiny_model_dir):
    folder = held_store(tmp_path)
    with open_store("embedded", path=folder / "store", dimension=DIM):
        result = runner.invoke(app, ["report", "debt", "--data-dir", str(folder), *model_args(tiny_model_dir),
                                     "--period", "7d", "--until", NOW.isoformat()])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 3 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "already open" in lines[0] and "/v1/report/debt?period=7d&until=2024-06-01T00:00:00Z" in lines[0]


def test_recluster_on_a_held_store_points_at_the_services_run_in_one_line(tmp_path, tiny_model_dir):
    folder = held_store(tmp_path)
    with open_store("embedded", path=folder / "store", dimension=DIM):
        result = runner.invoke(app, ["recluster", "--data-dir", str(folder), *model_args(tiny_model_dir),
                                     "--since", "30d", "--until", datetime.now(UTC).isoformat()])
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 3 and len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "already open" in lines[0] and re.search(r"http://[^ ]+:\d+/v1/admin/recluster", lines[0])
