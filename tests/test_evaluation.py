"""The evaluation reports on a tiny model and a small file written by the test."""

import csv
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from evaluation.topics_eval import evaluate_topics
from training.labelled import DataError, read_labelled

runner = CliRunner()
LATE = ["курьер опоздал w1", "курьер опоздал w2", "курьер опоздал w3", "курьер опоздал w4", "курьер опоздал w5",
        "курьер опоздал w6"]
REFUND = ["where is my refund w7", "my refund w8", "refund w9 w10", "where is my refund w11", "my refund w12",
          "refund w13"]


def write_csv(path, rows, fields=("text", "label", "owner", "split")):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture
def labelled(tmp_path):
    rows = [{"text": t, "label": "late", "owner": "delivery", "split": "train" if i < 4 else "test"}
            for i, t in enumerate(LATE)]
    rows += [{"text": t, "label": "refund", "owner": "finance", "split": "train" if i < 4 else "test"}
             for i, t in enumerate(REFUND)]
    rows += [{"text": "w50 w51 w52", "label": "OUT", "owner": "", "split": "test"},
             {"text": "w53 w54", "label": "OUT", "owner": "", "split": "test"}]
    return write_csv(tmp_path / "data.csv", rows)


def test_topics_report_has_metrics_and_baseline(labelled, tmp_path, tiny_model_dir):
    report = evaluate_topics(labelled, "text", "label", tmp_path / "out", owner_col="owner", split_col="split",
                             unknown_label="OUT", model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    saved = json.loads((tmp_path / "out" / "report.json").read_text())
    assert saved["metrics"] == json.loads(json.dumps(report["metrics"]))
    for key in ("accuracy", "macro_f1", "owner_accuracy", "unknown_recall", "known_accuracy"):
        assert 0 <= saved["metrics"][key] <= 1 and key in saved["baseline"]
    assert saved["n"] == 6
    assert saved["metrics"]["known_accuracy"] == 1.0  # the two topics are trivially separable
    assert (tmp_path / "out" / "report.md").is_file() and (tmp_path / "out" / "confusion.png").is_file()
    for section in ("metrics", "baseline"):  # calibration of the confidence, known topics only
        assert 0 <= saved[section]["ece"] <= 1 and 0 < saved[section]["mean_confidence"] <= 1
    assert (tmp_path / "out" / "calibration.png").is_file()
    rows = saved["details"]["calibration (known topics; product: the answer without the unknown rule)"]
    assert sum(row["n"] for row in rows) == 4  # the two OUT rows are not topics the head could answer
    assert "![calibration](calibration.png)" in (tmp_path / "out" / "report.md").read_text()


def test_missing_columns_are_named(labelled):
    with pytest.raises(DataError, match=r"missing column\(s\) \['body'\]"):
        read_labelled(labelled, "body", "label")


def test_empty_rows_are_dropped_and_counted(tmp_path):
    path = write_csv(tmp_path / "d.csv", [{"text": "", "label": "a"}, {"text": "x", "label": ""},
                                          {"text": "y", "label": "b"}], fields=("text", "label"))
    data = read_labelled(path, "text", "label")
    assert data.texts == ["y"] and data.dropped == {"empty text": 1, "empty label": 1}


def test_cli_refuses_split_and_cv_together(labelled, tmp_path):
    result = runner.invoke(app, ["evaluate", "topics", "--data", str(labelled), "--text-col", "text",
                                 "--label-col", "label", "--split-col", "split", "--cv", "3",
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code == 2 and "not both" in result.output


def test_train_topics_saves_a_head_that_loads_and_predicts_the_same(labelled, tmp_path, tiny_model_dir, monkeypatch):
    import numpy as np

    from embeddings.loader import load_embedder
    from topics.supervised import load_supervised

    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    from core.settings import get_settings

    get_settings.cache_clear()
    out = tmp_path / "head"
    result = runner.invoke(app, ["train", "topics", "--data", str(labelled), "--text-col", "text", "--label-col",
                                 "label", "--owner-col", "owner", "--out", str(out), "--model", str(tiny_model_dir)])
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    head = load_supervised(out)
    assert sorted(head.classes_) == ["OUT", "late", "refund"]
    assert head.manifest_["owners"]["late"] == "delivery"
    texts = ["курьер опоздал w9", "my refund w20"]
    vectors = load_embedder(tiny_model_dir).embed(texts)
    assert head.predict(vectors, texts, allow_unknown=False) == ["late", "refund"]
    assert np.allclose(head.predict_proba(vectors, texts).sum(axis=1), 1.0)
