"""`voc demo`: the built-in sample, loading a given file, and refusing what it must not touch."""

import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from workbench.demo_data import PROBLEMS, SOURCE, demo_messages
from workbench.demo_source import read_rows
from workbench.errors import WorkbenchError

runner = CliRunner()


def test_the_built_in_sample_is_deterministic_dated_and_labelled_as_demo():
    from datetime import date

    rows = demo_messages(date(2024, 6, 1))
    assert rows == demo_messages(date(2024, 6, 1)) and 300 <= len(rows) <= 400
    assert all(r["source"] == SOURCE and r["id"].startswith("demo-") and r["metadata"] == {"demo": True} for r in rows)
    days = sorted({r["created_at"][:10] for r in rows})
    assert days[0] >= "2024-04-26" and days[-1] == "2024-05-31"  # five weeks, none in the future
    assert {r["id"].split("-")[1] for r in rows} == {p.key for p in PROBLEMS}
    locker = [r["created_at"][:10] for r in rows if r["id"].startswith("demo-parcel_locker")]
    assert min(locker) >= "2024-05-24" and sum(d >= "2024-05-29" for d in locker) > len(locker) / 2  # emerging
    assert any(any("а" <= ch <= "я" for ch in r["text"]) for r in rows) and any(r["text"].isascii() for r in rows)


def test_reading_a_csv_keeps_texts_and_dates_as_given(tmp_path):
    data = tmp_path / "tweets"
    data.mkdir()
    (data / "tweets.csv").write_text("id,date_utc,text\n1,2014-07-24T17:55:54+00:00,Взять кредит\n"
                                     "2,2014-07-25T10:00:00+00:00,\n3,2014-07-26 08:00:00,Мнение о карте\n",
                                     encoding="utf-8")
    rows = read_rows(data, "text", "date_utc")
    assert [r["text"] for r in rows] == ["Взять кредит", "Мнение о карте"]
    assert rows[0]["created_at"] == "2014-07-24T17:55:54+00:00" and rows[1]["created_at"].startswith("2014-07-26T08")
    assert rows[0]["id"] == "tweets-1"
    with pytest.raises(WorkbenchError, match="--text-col: .* has no column 'body'"):
        read_rows(data, "body")


def test_a_bad_date_names_the_row_and_column(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps({"text": "hello", "when": "yesterday"}) + "\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match="row 1: when='yesterday' is not an ISO date"):
        read_rows(path, "text", "when")


def test_the_cli_refuses_a_folder_that_is_not_a_demo(tmp_path):
    (tmp_path / "store").mkdir()
    result = runner.invoke(app, ["demo", "--data-dir", str(tmp_path)])
    assert result.exit_code == 2 and "not a demo folder" in result.output
    assert (tmp_path / "store").is_dir()


def test_the_cli_names_a_missing_data_file(tmp_path):
    result = runner.invoke(app, ["demo", "--data", str(tmp_path / "nope.csv"), "--data-dir", str(tmp_path / "d")])
    assert result.exit_code == 2 and "--data:" in result.output and "no such file" in result.output


@pytest.mark.integration
def test_the_cli_loads_and_clusters_the_sample(built_models_dir, tmp_path):
    folder = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--data-dir", str(folder), "--models-dir", str(built_models_dir)])
    assert result.exit_code == 0, result.output
    summary = json.loads((folder / "demo.json").read_text())
    assert summary["complete"] and summary["messages"] == len(demo_messages()) and summary["clusters"] >= 6
    assert "analysed 32/" in result.output and "demo ready" in result.output
    assert (folder / "clusters" / "current.json").is_file()
    again = runner.invoke(app, ["demo", "--data-dir", str(folder), "--models-dir", str(built_models_dir),
                                "--data", str(folder / "missing.csv")])
    assert again.exit_code == 2 and (folder / "demo.json").is_file()  # a bad call leaves the earlier demo


def test_limit_keeps_the_file_row_numbers_in_errors(tmp_path):
    """With --limit the rows are a sample; an error named the row's place in the sample, not in the file."""
    path = tmp_path / "dated.csv"
    dates = ["2024-01-01"] * 20
    dates[4] = "31.12.2023"  # the file's fifth row, the third one of a sample of ten
    path.write_text("text,date\n" + "".join(f"message {i},{d}\n" for i, d in enumerate(dates)), encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"row 5: date='31.12.2023'"):
        read_rows(path, limit=10)


def test_limit_applies_to_the_built_in_sample(tmp_path):
    result = runner.invoke(app, ["demo", "--limit", "12", "--model", "nosuch", "--models-dir", str(tmp_path / "m"),
                                 "--data-dir", str(tmp_path / "d")])
    assert "built-in DEMO sample: 12 synthetic messages" in result.stderr and result.exit_code == 2, result.output


@pytest.fixture
def stub_pipeline(monkeypatch):
    """load_demo without a model: a 16-d stand-in embedder and analyser; ingest and clustering stubbed."""
    from dataclasses import dataclass
    from types import SimpleNamespace

    @dataclass(frozen=True)
    class Analyzer:
        history: object = None

    monkeypatch.setattr("embeddings.loader.load_embedder", lambda *a, **k: SimpleNamespace(name="stub", dimension=16))
    monkeypatch.setattr("analysis.factory.build_analyzer", lambda *a, **k: Analyzer())
    monkeypatch.setattr("service.ingest.ingest", lambda analyzer, store, bodies: [None] * len(bodies))
    monkeypatch.setattr("jobs.run_recluster", lambda *a, **k: {"run_id": "r1", "clusters": 1, "noise_share": 0.0,
                                                               "statuses": {}})


def earlier_demo(folder):
    folder.mkdir(parents=True)
    (folder / "demo.json").write_text('{"demo": true, "complete": true, "messages": 340}', encoding="utf-8")
    return folder


def test_an_interrupted_demo_leaves_the_earlier_one_and_nothing_half_built(tmp_path, stub_pipeline, monkeypatch):
    """Ctrl+C while the messages were analysed left a half-filled store where the earlier demo had been."""
    from workbench.demo_loader import load_demo

    folder = earlier_demo(tmp_path / "demo")

    def interrupted(analyzer, store, bodies):
        raise KeyboardInterrupt

    monkeypatch.setattr("service.ingest.ingest", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_demo(folder, demo_messages()[:12])
    assert [p.name for p in tmp_path.iterdir()] == ["demo"] and [p.name for p in folder.iterdir()] == ["demo.json"]
    assert json.loads((folder / "demo.json").read_text())["messages"] == 340


def test_a_complete_demo_replaces_the_earlier_one_and_says_what_it_left_out(tmp_path, stub_pipeline):
    from workbench.demo_loader import load_demo

    folder = earlier_demo(tmp_path / "demo")
    rows = demo_messages()[:12] + [{"id": "x" * 300, "text": "an id too long to be stored"}]
    said = []
    summary = load_demo(folder, rows, log=said.append)
    assert [p.name for p in tmp_path.iterdir()] == ["demo"] and sorted(p.name for p in folder.iterdir()) == [
        "demo.json", "store"]
    assert json.loads((folder / "demo.json").read_text())["complete"] and summary["rejected_count"] == 1
    assert any(line.startswith("1 rows left out") for line in said), said
