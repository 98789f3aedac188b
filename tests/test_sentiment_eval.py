"""`voc evaluate sentiment` on a small labelled file: the report keys other tools read, and errors."""

import csv
import json

import numpy as np
import pytest

from core.errors import ModelError
from evaluation.sentiment_eval import evaluate_sentiment
from tests.test_sentiment_head import NEGATIVE, NEUTRAL, POSITIVE
from training.labelled import DataError

UNSEEN = [("отлично, спасибо за сервис", "positive"), ("супер, очень доволен", "positive"),
          ("ужас, верните мои деньги", "negative"), ("кошмар, отвратительно", "negative"),
          ("где посмотреть мой тариф", "neutral"), ("как узнать номер договора", "neutral")]


def write_csv(path, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["text", "label", "split"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def labelled_rows():
    rows = [{"text": t, "label": label, "split": "train"}
            for group, label in ((POSITIVE, "positive"), (NEGATIVE, "negative"), (NEUTRAL, "neutral"))
            for t in group for _ in range(2)]
    return rows + [{"text": t, "label": label, "split": "test"} for t, label in UNSEEN]


def test_a_head_trained_on_the_split_is_reported_beside_the_baseline(tmp_path, tiny_model_dir):
    data = write_csv(tmp_path / "s.csv", labelled_rows())
    report = evaluate_sentiment(data, "text", "label", tmp_path / "out", split_col="split",
                                model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    saved = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert saved["task"] == "sentiment" and saved["n"] == len(UNSEEN)
    for section in ("metrics", "baseline"):
        assert {"macro_f1", "negative_recall", "negative_f1", "accuracy"} <= set(saved[section])
    assert report["metrics"]["macro_f1"] >= 0.8 and report["metrics"]["negative_recall"] == 1.0
    assert "n-grams" in report["method"] and "shipped" not in report  # no shipped head for the tiny model
    assert (tmp_path / "out" / "report.md").is_file() and (tmp_path / "out" / "confusion.png").is_file()
    assert (tmp_path / "out" / "calibration.png").is_file()
    assert 0 <= saved["metrics"]["ece"] <= 1
    assert sum(row["n"] for row in saved["details"]["calibration"]) == len(UNSEEN)


def test_a_split_without_every_class_in_train_is_a_data_error(tmp_path, tiny_model_dir):
    rows = [row for row in labelled_rows() if not (row["split"] == "train" and row["label"] == "neutral")]
    data = write_csv(tmp_path / "s.csv", rows)
    with pytest.raises(DataError, match="needs all of"):
        evaluate_sentiment(data, "text", "label", tmp_path / "out", split_col="split",
                           model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)


def test_without_a_split_a_model_with_no_shipped_head_is_a_clear_error(tmp_path, tiny_model_dir):
    data = write_csv(tmp_path / "s.csv", labelled_rows())
    with pytest.raises(ModelError, match="no shipped sentiment head"):
        evaluate_sentiment(data, "text", "label", tmp_path / "out", model=str(tiny_model_dir),
                           models_dir=tiny_model_dir.parent)


def test_the_cross_validated_baseline_reports_its_progress():
    from evaluation.sentiment_eval import _cross_validated_baseline

    texts = [f"{word} {i}" for i in range(10) for word in ("ужас", "отлично", "вопрос")]
    labels = np.asarray([label for _ in range(10) for label in ("negative", "positive", "neutral")], dtype=object)
    heard = []
    guesses = _cross_validated_baseline(texts, labels, lambda done, total: heard.append((done, total)))
    assert heard[0] == (0, 30) and heard[-1] == (30, 30) and len(heard) == 6  # the start, then each of 5 folds
    assert [done for done, _ in heard] == sorted(done for done, _ in heard)
    assert all(guess in {"negative", "positive", "neutral"} for guess in guesses)
