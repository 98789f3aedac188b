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
