"""`voc evaluate` and `voc train` on careless input: no traceback, no option silently ignored, no metric
that reports what was not measured."""

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from tests.test_cli_input_errors import SENTIMENT, TOPICS, common, labelled_rows, refused, write_csv

runner = CliRunner()
TAXONOMY = """name: probe
version: 1
owners:
  - {id: delivery, name: Delivery, queue: q1}
  - {id: finance, name: Finance, queue: q2}
topics:
  - id: late
    names: {ru: Опоздание, en: Late}
    owner: delivery
    severity: 2
    description: "курьер опоздал, заказ не пришёл"
    examples: ["курьер опоздал", "заказ не пришёл"]
  - id: refund
    names: {ru: Возврат, en: Refund}
    owner: finance
    severity: 2
    description: "where is my refund"
    examples: ["where is my refund", "my refund"]
"""


def report(out):
    return json.loads((out / "report.json").read_text(encoding="utf-8"))


def test_cv_folds_where_no_topic_keeps_two_training_rows_are_an_error_not_a_crash(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS, per_label=2))
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2"), "fold 1 of 2",
            "cannot train a topic head")


def test_train_topics_on_too_few_messages_is_an_error_not_a_crash(voc, tmp_path):
    rows = [{"text": "курьер опоздал", "label": "late"}, {"text": "курьер опоздал w2", "label": "late"},
            {"text": "my refund", "label": "refund"}, {"text": "my refund w3", "label": "refund"}]
    data = write_csv(tmp_path / "d.csv", rows, fields=("text", "label"))
    refused(voc("train", "topics", *common(data, tmp_path / "head")), "cannot train a topic head on these 4")


def test_texts_without_words_are_an_error_before_embedding(voc, tmp_path, monkeypatch):
    rows = [{"text": "😀😀" if row["label"] == "positive" else "😡", **{k: row[k] for k in ("label", "split")}}
            for row in labelled_rows(SENTIMENT)]
    data = write_csv(tmp_path / "emoji.csv", rows)
    head = tmp_path / "head"
    from sentiment.head import LABELS, SentimentHead

    SentimentHead(np.eye(3, 16, dtype=np.float32), np.zeros(3), LABELS, "tiny").save(head, {"data": "t.csv"})

    def refuse(*args, **kwargs):
        raise AssertionError("embedded before the baseline was known to fail")

    monkeypatch.setattr("evaluation.sentiment_eval.embed_all", refuse)
    refused(voc("evaluate", "sentiment", *common(data, tmp_path / "o"), "--head", head),
            "cannot train the TF-IDF baseline")


def test_a_cache_that_is_a_file_is_refused_and_a_broken_cached_file_recomputed(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    a_file = tmp_path / "cache.txt"
    a_file.write_text("keep", encoding="utf-8")
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2", "--cache", a_file),
            "--cache", "is a file")
    cache = tmp_path / "cache"
    assert voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2", "--cache", cache).exit_code == 0
    [kept] = cache.iterdir()
    kept.write_bytes(b"PK\x03\x04 cut short")
    again = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2", "--cache", cache)
    assert again.exit_code == 0, again.output
    with np.load(kept) as saved:
        assert saved["vectors"].shape == (16, 16)


def test_a_csv_cell_longer_than_the_csv_modules_limit_is_read(tmp_path):
    from training.labelled import read_labelled

    long_text = "курьер опоздал " * 20_000
    data = write_csv(tmp_path / "d.csv", [{"text": long_text, "label": "late", "split": "train"},
                                          {"text": "my refund", "label": "refund", "split": "test"}])
    assert read_labelled(data, "text", "label").texts == [long_text.strip(), "my refund"]
    import csv as module

    assert module.field_size_limit() == 131072


def test_zero_shot_warns_of_labels_that_are_no_topic_and_refuses_when_none_is(voc, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY, encoding="utf-8")
    groups = {**TOPICS, "app": ["app crashes", "login fails"]}
    data = write_csv(tmp_path / "d.csv", labelled_rows(groups))
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--taxonomy", taxonomy)
    assert result.exit_code == 0, result.output
    assert "warning: 8 rows have labels that are no topic id of probe" in result.stderr and "'app' 8" in result.stderr
    other = write_csv(tmp_path / "other.csv", labelled_rows({"app": ["app crashes"], "bill": ["my bill"]}))
    refused(voc("evaluate", "topics", *common(other, tmp_path / "o"), "--taxonomy", taxonomy),
            "no label of the column 'label' is a topic id of probe")


def test_zero_shot_refuses_learn_unknown_and_measures_owner_accuracy(voc, tmp_path):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY, encoding="utf-8")
    owners = {"late": "delivery", "refund": "finance", "OUT": ""}
    rows = labelled_rows({**TOPICS, "OUT": ["погода хорошая", "football tonight"]})
    data = write_csv(tmp_path / "d.csv", [{**row, "owner": owners[row["label"]]} for row in rows],
                     fields=("text", "label", "split", "owner"))
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o"), "--taxonomy", taxonomy, "--unknown-label", "OUT",
                "--learn-unknown"), "--learn-unknown")
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--taxonomy", taxonomy, "--owner-col", "owner",
                 "--unknown-label", "OUT")
    assert result.exit_code == 0, result.output
    saved = report(tmp_path / "o")
    assert 0 <= saved["metrics"]["owner_accuracy"] <= 1 and "owner_accuracy" in saved["baseline"]
    assert "unknown_recall" in saved["baseline"]


def test_zero_shot_accuracy_counts_the_unknown_answer_on_out_of_taxonomy_rows(tmp_path, tiny_model_dir, monkeypatch):
    from evaluation.topics_eval import evaluate_topics
    from topics.zero_shot import ZeroShotTopics

    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY, encoding="utf-8")
    rows = [{"text": "курьер опоздал", "label": "late"}, {"text": "my refund", "label": "refund"},
            {"text": "погода", "label": "OUT"}, {"text": "football", "label": "OUT"}]
    data = write_csv(tmp_path / "d.csv", rows, fields=("text", "label"))

    class Answer:
        def __init__(self, topic, best):
            self.topic_id, self.top = topic, [type("Top", (), {"topic_id": best, "confidence": 0.9})()]

    answers = [Answer("late", "late"), Answer("refund", "refund"), Answer("unknown", "late"),
               Answer("unknown", "refund")]
    monkeypatch.setattr(ZeroShotTopics, "assign", lambda self, vectors, texts: answers)
    saved = evaluate_topics(data, "text", "label", tmp_path / "o", taxonomy=taxonomy, unknown_label="OUT",
                            model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    assert saved["metrics"]["unknown_recall"] == 1.0 and saved["metrics"]["accuracy"] == 1.0


def test_owner_accuracy_leaves_out_rows_without_an_owner(voc, tmp_path):
    owners = {"late": "delivery", "refund": "finance"}
    rows = [{**row, "owner": owners[row["label"]] if i % 4 else ""} for i, row in enumerate(labelled_rows(TOPICS))]
    data = write_csv(tmp_path / "d.csv", rows, fields=("text", "label", "split", "owner"))
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2", "--owner-col", "owner")
    assert result.exit_code == 0, result.output
    saved = report(tmp_path / "o")
    assert saved["metrics"]["owner_accuracy"] > 0.75  # 4 of the 16 rows have no owner to be right about
    blank = write_csv(tmp_path / "b.csv", [{**row, "owner": ""} for row in rows],
                      fields=("text", "label", "split", "owner"))
    refused(voc("evaluate", "topics", *common(blank, tmp_path / "o"), "--owner-col", "owner"),
            "--owner-col 'owner' is empty in every row")


@pytest.mark.parametrize("items, message", [
    (["positive=happy"], "'happy' is not one of negative, neutral, positive"),
    (["a=positive", "a=negative"], "maps 'a' twice"),
])
@pytest.mark.parametrize("command", [["evaluate", "sentiment"], ["train", "sentiment"]])
def test_a_malformed_label_map_is_refused(voc, tmp_path, command, items, message):
    data = write_csv(tmp_path / "s.csv", labelled_rows(SENTIMENT))
    options = [part for item in items for part in ("--label-map", item)]
    refused(voc(*command, *common(data, tmp_path / "o"), "--split-col", "split", *options)
            if command[0] == "evaluate" else voc(*command, *common(data, tmp_path / "o"), *options), message)


def test_label_map_sides_are_stripped_and_an_unmatched_entry_is_said(tmp_path):
    from cli.train_sentiment import parse_label_map
    from training.labelled import read_labelled

    assert parse_label_map([" pos = positive "]) == {"pos": "positive"}
    data = write_csv(tmp_path / "s.csv", [{"text": "w1", "label": "pos"}, {"text": "w2", "label": "neg"}],
                     fields=("text", "label"))
    rows = read_labelled(data, "text", "label", label_map={"pos": "positive", "Neg": "negative"})
    assert "warning: --label-map Neg=negative matched no label of the file" in rows.warnings()


def test_nan_written_as_text_is_a_missing_label(tmp_path):
    from training.labelled import read_labelled

    data = write_csv(tmp_path / "d.csv", [{"text": "w1", "label": "a"}, {"text": "w2", "label": "NaN"},
                                          {"text": "w3", "label": "nan"}, {"text": "nan", "label": "b"}],
                     fields=("text", "label"))
    rows = read_labelled(data, "text", "label")
    assert rows.labels == ["a"]
    assert rows.dropped == {"label is 'NaN', a missing value": 1, "label is 'nan', a missing value": 1,
                            "text is 'nan', a missing value": 1}
    mapped = read_labelled(data, "text", "label", label_map={"NaN": "neutral"})
    assert mapped.labels == ["a", "neutral"]


@pytest.mark.parametrize("command, option", [
    (["evaluate", "topics"], "--split-col"), (["evaluate", "topics"], "--owner-col"),
    (["evaluate", "sentiment"], "--split-col"), (["train", "topics"], "--owner-col"),
])
def test_an_empty_column_name_is_refused_not_read_as_left_out(voc, tmp_path, command, option):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    refused(voc(*command, *common(data, tmp_path / "o"), option, ""), f"{option} is empty")


def test_an_empty_text_column_name_is_named_as_missing(tmp_path):
    from training.labelled import DataError, read_labelled

    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    with pytest.raises(DataError, match=r"missing column\(s\) \[''\]"):
        read_labelled(data, "", "label")


def test_test_labels_never_trained_on_are_warned_of(voc, tmp_path):
    rows = labelled_rows({**TOPICS, "app": ["app crashes", "login fails"]})
    rows = [{**row, "split": "test"} if row["label"] == "app" else row for row in rows]
    data = write_csv(tmp_path / "d.csv", rows)
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--split-col", "split")
    assert result.exit_code == 0, result.output
    assert "8 test rows have labels with fewer than 2 train rows" in result.stderr and "'app' 8" in result.stderr


def test_labels_dropped_from_fold_training_are_warned_of(voc, tmp_path):
    rows = labelled_rows(TOPICS) + [{"text": "app crashes w1", "label": "app", "split": ""},
                                    {"text": "app crashes w2", "label": "app", "split": ""}]
    data = write_csv(tmp_path / "d.csv", rows)
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--cv", "2")
    assert result.exit_code == 0, result.output
    assert "warning: labels left out of training in some folds" in result.stderr and "'app'" in result.stderr


def test_the_default_folds_are_not_called_a_given_cv(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS, per_label=2))
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o")), "the default without --cv")


def test_negative_recall_is_not_a_zero_when_no_test_row_is_negative(voc, tmp_path):
    rows = [{**row, "split": "train"} if row["label"] == "negative" else row for row in labelled_rows(SENTIMENT)]
    data = write_csv(tmp_path / "s.csv", rows)
    result = voc("evaluate", "sentiment", *common(data, tmp_path / "o"), "--split-col", "split")
    assert result.exit_code == 0, result.output
    assert "no test row is labelled 'negative'" in result.stderr
    saved = report(tmp_path / "o")
    assert saved["metrics"]["negative_recall"] is None and "negative" not in saved["metrics"]["per_class"]
    assert saved["metrics"]["accuracy"] == 1.0 and saved["metrics"]["macro_f1"] == 1.0


def test_report_tables_keep_columns_for_long_metric_names():
    from evaluation.report import markdown, table

    shown = {"task": "topics", "data": "d.csv", "metrics": {"known_accuracy_without_unknown": 0.5, "accuracy": 0.9},
             "baseline": {"accuracy": 0.8}}
    lines = table(shown).splitlines()
    assert len({len(line) for line in lines[1:]}) == 1
    assert "| known_accuracy_without_unknown | 0.500 |  |  |" in markdown(shown)
