"""`voc train` and `voc evaluate` on bad input: one 'error:' line naming the problem, exit 2, no traceback,
and nothing embedded or overwritten first."""

import csv
import json

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from training.labelled import DataError, read_labelled

runner = CliRunner()
TOPICS = {"late": ["курьер опоздал", "заказ не пришёл", "курьер не пришёл"],
          "refund": ["where is my refund", "my refund", "refund is my"]}
SENTIMENT = {"positive": ["w1 w2 w3", "w1 w2", "w2 w3"], "negative": ["w10 w11 w12", "w10 w11", "w11 w12"],
             "neutral": ["w20 w21 w22", "w20 w21", "w21 w22"]}


def write_csv(path, rows, fields=("text", "label", "split"), encoding="utf-8"):
    with path.open("w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def labelled_rows(groups, per_label=8):
    return [{"text": f"{phrases[i % len(phrases)]} w{30 + i}", "label": label,
             "split": "train" if i < per_label - 2 else "test"}
            for label, phrases in groups.items() for i in range(per_label)]


@pytest.fixture
def topics_csv(tmp_path):
    return write_csv(tmp_path / "topics.csv", labelled_rows(TOPICS))


@pytest.fixture
def sentiment_csv(tmp_path):
    return write_csv(tmp_path / "sentiment.csv", labelled_rows(SENTIMENT))


@pytest.fixture
def no_embedding(monkeypatch):
    """Loading the embedder fails the test: the error must come before any embedding work."""
    def refuse(*args, **kwargs):
        raise AssertionError("the embedder was loaded before the input was checked")

    monkeypatch.setattr("embeddings.loader.load_embedder", refuse)


def refused(result, *fragments):
    """Exit 2 with one 'error:' line holding every fragment, and no traceback."""
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit), result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    assert "Traceback" not in result.output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


def common(data, out, label_col="label"):
    return ["--data", data, "--text-col", "text", "--label-col", label_col, "--out", out]


# 1. --out of `voc train` never replaces what is not a head of the same kind


@pytest.mark.parametrize("kind", ["topics", "sentiment"])
def test_train_refuses_a_folder_holding_something_else(kind, voc, no_embedding, topics_csv, sentiment_csv,
                                                       tiny_model_dir, tmp_path):
    data = topics_csv if kind == "topics" else sentiment_csv
    model_folder = tmp_path / "model"
    model_folder.mkdir()
    for name in ("manifest.json", "model.onnx", "tokenizer.json"):
        (model_folder / name).write_bytes((tiny_model_dir / name).read_bytes())
    before = (model_folder / "manifest.json").read_bytes()
    refused(voc("train", kind, *common(data, model_folder)), str(model_folder), "not empty",
            "embedding model", "manifest.json")
    assert (model_folder / "manifest.json").read_bytes() == before


def test_train_replaces_a_head_of_the_same_kind_but_not_of_another(voc, topics_csv, sentiment_csv, tmp_path):
    head = tmp_path / "head"
    assert voc("train", "sentiment", *common(sentiment_csv, head)).exit_code == 0
    again = voc("train", "sentiment", *common(sentiment_csv, head))
    assert again.exit_code == 0, again.output
    refused(voc("train", "topics", *common(topics_csv, head)), "holds a sentiment head")
    assert "heads.npz" not in {path.name for path in head.iterdir()}


# 2. encodings


def test_a_cp1251_file_is_named_with_the_offset(voc, no_embedding, tmp_path):
    data = write_csv(tmp_path / "win.csv", labelled_rows(TOPICS), encoding="cp1251")
    for command in (["train", "topics"], ["evaluate", "topics"], ["train", "sentiment"]):
        refused(voc(*command, *common(data, tmp_path / "out")), str(data), "must be UTF-8", "byte offset")


def test_a_utf8_file_with_a_byte_order_mark_reads(tmp_path):
    path = write_csv(tmp_path / "excel.csv", labelled_rows(TOPICS), encoding="utf-8-sig")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = read_labelled(path, "text", "label")
    assert len(rows.texts) == 16 and rows.texts[0].startswith("курьер")


def test_training_on_a_bom_file_works(voc, tmp_path):
    data = write_csv(tmp_path / "excel.csv", labelled_rows(TOPICS), encoding="utf-8-sig")
    result = voc("train", "topics", *common(data, tmp_path / "head"))
    assert result.exit_code == 0, result.output


# 3. JSON lines and empty files


@pytest.mark.parametrize("content, message", [
    ('{"text": "a", "label": "x"}\nnot json\n', "line 2 is not JSON"),
    ('[1, 2]\n', "line 1 holds a JSON list"),
    ('\n\n', "the file is empty"),
])
def test_bad_json_lines_name_the_file_and_line(tmp_path, content, message):
    path = tmp_path / "d.jsonl"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        read_labelled(path, "text", "label")
    assert str(path) in str(caught.value)


def test_a_bad_json_line_is_a_clear_cli_error(voc, no_embedding, tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a", "label": "x"}\n{"text": \n', encoding="utf-8")
    refused(voc("train", "topics", *common(path, tmp_path / "out")), str(path), "line 2 is not JSON")


@pytest.mark.parametrize("name", ["d.JSONL", "d.ndjson", "d.NDJSON"])
def test_json_lines_suffixes_in_any_case(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"text": "a", "label": 0}\n{"text": "b", "label": "y"}\n', encoding="utf-8")
    rows = read_labelled(path, "text", "label")
    assert rows.texts == ["a", "b"] and rows.labels == ["0", "y"]  # a JSON 0 is a label, not an empty cell


def test_json_values_that_are_no_text_are_dropped_and_said(tmp_path):
    """A list, an object or NaN is not a text or label; a JSON true is "true", as in a CSV file."""
    path = tmp_path / "d.jsonl"
    rows = [{"text": "a", "label": "x"}, {"text": ["a", "list"], "label": "x"}, {"text": {"a": 1}, "label": "x"},
            {"text": "b", "label": ["x"]}, {"text": float("nan"), "label": "x"}, {"text": "c", "label": True}]
    path.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    read = read_labelled(path, "text", "label")
    assert read.texts == ["a", "c"] and read.labels == ["x", "true"]
    assert read.dropped == {"text is a JSON list or object, not text": 2, "label is a JSON list or object, not text": 1,
                            "empty text": 1}


@pytest.mark.parametrize("name, content, message", [
    ("d.csv", "text,label,label\nкурьер опоздал,late,refund\n", r"column\(s\) \['label'\] more than once"),
    ("d.csv", "text,label\nкурьер опоздал, заказ холодный,late\nw1,refund\n", "line 2 has 3 fields"),
    ("d.csv", 'text,label\n"курьер опоздал,late\nw1,refund\nw2,late\n', "line 4 is not valid CSV"),
    ("d.csv", "text;label\nкурьер опоздал;late\n", "separated by ';'"),
    ("d.jsonl", '{"text": "a", "label": "x", "label": "y"}\n', r"line 1 gives the key\(s\) \['label'\] more than once"),
    ("d.json", '[{"text": "a", "label": "x"}]', "give JSON lines named .jsonl"),
], ids=["repeated column", "unquoted comma", "open quote", "semicolons", "repeated key", "json array"])
def test_a_file_read_two_ways_is_refused_naming_the_line(tmp_path, name, content, message):
    """What would otherwise be read silently wrong: a label column named twice, a text with an unquoted comma
    (the label shifts), a quote left open (it swallows the rows after it), another separator, a key given
    twice, a JSON array."""
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(DataError, match=message) as caught:
        read_labelled(path, "text", "label")
    assert str(path) in str(caught.value)


def test_trailing_empty_columns_and_short_rows_still_read(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("text,label,,\nкурьер опоздал,late,,\nw1,refund\nw2\n", encoding="utf-8")
    read = read_labelled(path, "text", "label")
    assert read.texts == ["курьер опоздал", "w1"] and read.dropped == {"empty label": 1}


def test_a_header_only_csv_has_no_data_rows(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("text,label\n", encoding="utf-8")
    with pytest.raises(DataError, match="no data rows"):
        read_labelled(path, "text", "label")


def test_texts_of_invisible_characters_only_are_dropped_as_empty(tmp_path):
    path = write_csv(tmp_path / "d.csv", [{"text": "\u200b\u00ad", "label": "a"}, {"text": "x", "label": "b"}])
    assert read_labelled(path, "text", "label").dropped == {"empty text": 1}


# 4. --out that is a file or cannot be created, checked before embedding


@pytest.mark.parametrize("command", [["train", "topics"], ["train", "sentiment"], ["evaluate", "topics"],
                                     ["evaluate", "sentiment", "--split-col", "split"],
                                     ["evaluate", "routing", "--positive", "negative"]])
def test_an_unusable_out_is_refused_before_embedding(command, voc, no_embedding, topics_csv, sentiment_csv, tmp_path):
    data = topics_csv if "topics" in command else sentiment_csv
    a_file = tmp_path / "report.txt"
    a_file.write_text("keep me", encoding="utf-8")
    extra = ["--head", _sentiment_head(tmp_path)] if "routing" in command else []  # the tiny model ships none
    refused(voc(*command, *common(data, a_file), *extra), str(a_file), "is a file")
    refused(voc(*command, *common(data, a_file / "sub"), *extra), "cannot write to the output folder")
    assert a_file.read_text(encoding="utf-8") == "keep me"


def _sentiment_head(tmp_path):
    import numpy as np

    from sentiment.head import LABELS, SentimentHead

    folder = tmp_path / "given-head"
    if not folder.is_dir():
        SentimentHead(np.eye(3, 16, dtype=np.float32), np.zeros(3), LABELS, "tiny").save(folder, {"data": "t.csv"})
    return folder


# 5. one class


def test_one_class_is_refused_before_embedding(voc, no_embedding, tmp_path):
    data = write_csv(tmp_path / "one.csv", [{"text": f"w{i}", "label": "a", "split": "train"} for i in range(8)])
    refused(voc("train", "topics", *common(data, tmp_path / "o1")), "at least two labels", "'a' 8")
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o2")), "at least two labels", "'a' 8")
    refused(voc("evaluate", "sentiment", *common(data, tmp_path / "o3"), "--label-map", "a=positive"),
            "at least two different labels", "'positive' 8")


# 6. --cv


@pytest.mark.parametrize("cv, message", [("0", "at least 2 folds"), ("1", "at least 2 folds"),
                                         ("-2", "at least 2 folds"), ("500", "more folds than usable rows (16)")])
def test_cv_is_checked_before_embedding(voc, no_embedding, topics_csv, tmp_path, cv, message):
    refused(voc("evaluate", "topics", *common(topics_csv, tmp_path / "o"), f"--cv={cv}"), f"--cv {cv}", message)


def test_split_and_cv_zero_together_are_refused(voc, no_embedding, topics_csv, tmp_path):
    refused(voc("evaluate", "topics", *common(topics_csv, tmp_path / "o"), "--split-col", "split", "--cv", "0"),
            "not both")


# 7. --head for evaluate sentiment and routing


def test_evaluate_sentiment_and_routing_score_a_trained_head(voc, sentiment_csv, tmp_path):
    head = tmp_path / "head"
    assert voc("train", "sentiment", *common(sentiment_csv, head)).exit_code == 0
    scored = voc("evaluate", "sentiment", *common(sentiment_csv, tmp_path / "s"), "--head", head)
    assert scored.exit_code == 0, scored.output
    report = json.loads((tmp_path / "s" / "report.json").read_text(encoding="utf-8"))
    assert report["method"].startswith(f"head {head}") and report["n"] == 24
    split = voc("evaluate", "sentiment", *common(sentiment_csv, tmp_path / "t"), "--head", head,
                "--split-col", "split")
    assert split.exit_code == 0, split.output
    assert json.loads((tmp_path / "t" / "report.json").read_text(encoding="utf-8"))["n"] == 6
    routed = voc("evaluate", "routing", *common(sentiment_csv, tmp_path / "r"), "--positive", "negative",
                 "--head", head)
    assert routed.exit_code == 0, routed.output
    assert 0 <= json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))["metrics"]["roc_auc"] <= 1


@pytest.mark.parametrize("command", [["evaluate", "sentiment"], ["evaluate", "routing", "--positive", "negative"]])
def test_a_bad_head_is_refused_before_embedding(command, voc, no_embedding, sentiment_csv, tiny_model_dir, tmp_path):
    refused(voc(*command, *common(sentiment_csv, tmp_path / "o"), "--head", tmp_path / "nope"), "no such folder")
    refused(voc(*command, *common(sentiment_csv, tmp_path / "o"), "--head", tiny_model_dir),
            "is not a sentiment head", "embedding model")
    import numpy as np

    from sentiment.head import LABELS, SentimentHead

    other = SentimentHead(np.zeros((3, 16)), np.zeros(3), LABELS, "e5-small").save(tmp_path / "e5", {})
    refused(voc(*command, *common(sentiment_csv, tmp_path / "o"), "--head", other), "'e5-small' vectors",
            "--model e5-small")


def test_without_a_shipped_head_the_error_points_at_head(voc, no_embedding, sentiment_csv, tmp_path):
    refused(voc("evaluate", "sentiment", *common(sentiment_csv, tmp_path / "o")), "no shipped sentiment head",
            "--head DIR")


@pytest.mark.parametrize("command", ["sentiment", "routing"])
def test_help_documents_head(command):
    result = runner.invoke(app, ["evaluate", command, "--help"])
    words = " ".join(result.output.replace("│", " ").split())  # the help is wrapped in a box
    assert result.exit_code == 0 and "--head" in words and "written by 'voc train sentiment'" in words


# 8. progress while embedding and training


def test_train_and_evaluate_show_progress(voc, topics_csv, sentiment_csv, tmp_path):
    trained = voc("train", "topics", *common(topics_csv, tmp_path / "head"))
    assert trained.exit_code == 0, trained.output
    assert "embed: 16/16 (100%)" in trained.stderr and "training the topic head" in trained.stderr
    evaluated = voc("evaluate", "topics", *common(topics_csv, tmp_path / "e"), "--cv", "2")
    assert evaluated.exit_code == 0, evaluated.output
    assert "embed: 16/16 (100%)" in evaluated.stderr and "folds: 2/2 (100%)" in evaluated.stderr
    sentiment = voc("train", "sentiment", *common(sentiment_csv, tmp_path / "s"))
    assert sentiment.exit_code == 0 and "embed: 24/24 (100%)" in sentiment.stderr


# 9. rows left out, labels that never occur, clashing options: said, or refused before embedding


def test_evaluate_sentiment_warns_of_the_rows_it_drops(voc, tmp_path):
    rows = labelled_rows(SENTIMENT) + [{"text": "w5", "label": "mixed", "split": "train"}]
    data = write_csv(tmp_path / "s.csv", rows)
    head = _sentiment_head(tmp_path)
    result = voc("evaluate", "sentiment", *common(data, tmp_path / "o"), "--head", head)
    assert result.exit_code == 0, result.output
    assert "warning: dropped 1 rows (label 'mixed' not used)" in result.stderr


def test_split_values_other_than_train_and_test_are_reported(voc, tmp_path):
    rows = labelled_rows(TOPICS)
    for row, value in zip(rows[:3], ("val", "dev", "")):
        row["split"] = value
    data = write_csv(tmp_path / "t.csv", rows)
    result = voc("evaluate", "topics", *common(data, tmp_path / "o"), "--split-col", "split")
    assert result.exit_code == 0, result.output
    assert ("warning: ignored 3 rows whose split column 'split' is neither 'train' nor 'test': "
            "'' 1, 'dev' 1, 'val' 1") in result.stderr


def test_a_split_column_without_test_rows_is_named_plainly(voc, no_embedding, tmp_path):
    rows = [{**row, "split": "train"} for row in labelled_rows(TOPICS)]
    data = write_csv(tmp_path / "t.csv", rows)
    line = refused(voc("evaluate", "topics", *common(data, tmp_path / "o"), "--split-col", "split"),
                   "split column 'split'", "'train' 16")
    assert "np.str_" not in line


def test_an_unknown_label_that_never_occurs_is_refused(voc, no_embedding, topics_csv, tmp_path):
    refused(voc("evaluate", "topics", *common(topics_csv, tmp_path / "o"), "--unknown-label", "zzz"),
            "--unknown-label 'zzz' matches no row", "'late' 8")
    refused(voc("train", "topics", *common(topics_csv, tmp_path / "h"), "--unknown-label", "zzz"),
            "--unknown-label 'zzz' matches no row")


def test_the_same_column_for_text_and_label_is_refused(voc, no_embedding, topics_csv, tmp_path):
    for command in (["evaluate", "topics"], ["train", "topics"], ["train", "sentiment"]):
        refused(voc(*command, *common(topics_csv, tmp_path / "o", label_col="text")), "both 'text'")


def test_taxonomy_problems_come_before_embedding(voc, no_embedding, topics_csv, tmp_path):
    broken = tmp_path / "taxonomy.yaml"
    broken.write_text("owners: [\n", encoding="utf-8")
    refused(voc("evaluate", "topics", *common(topics_csv, tmp_path / "o"), "--taxonomy", broken), "not valid YAML")
    refused(voc("evaluate", "topics", *common(topics_csv, tmp_path / "o"), "--taxonomy", broken, "--cv", "3"),
            "leave out --split-col and --cv")


def test_an_unknown_label_only_in_train_rows_is_refused(voc, no_embedding, tmp_path):
    rows = labelled_rows(TOPICS) + [{"text": "w40 w41", "label": "OUT", "split": "train"}]
    data = write_csv(tmp_path / "t.csv", rows)
    refused(voc("evaluate", "topics", *common(data, tmp_path / "o"), "--split-col", "split", "--unknown-label", "OUT"),
            "matches no test row")


def test_json_lines_keep_unicode_line_separators_inside_strings(tmp_path):
    path = tmp_path / "d.jsonl"
    path.write_text('{"text": "a\u2028b", "label": "x"}\r\n{"text": "c", "label": "y"}\n', encoding="utf-8")
    assert read_labelled(path, "text", "label").texts == ["a\u2028b", "c"]


def test_evaluation_embeds_long_texts_in_the_services_token_window(built_models_dir, tmp_path, monkeypatch):
    """`voc evaluate` averages long texts over VOC_MAX_TOKENS windows, as the service does."""
    from evaluation.common import embed_all

    long_text = " ".join(f"курьер опоздал на {i} минут, заказ {i} пришёл без пакета" for i in range(60))
    texts = [long_text, "короткий текст"]
    served, _, _ = embed_all(texts, "e5-small", built_models_dir, tmp_path / "cache", max_tokens=64)
    whole, _, _ = embed_all(texts, "e5-small", built_models_dir, tmp_path / "cache")
    assert float(served[0] @ whole[0]) < 0.999 and abs(float(served[1] @ whole[1]) - 1) < 1e-5
    names = sorted(p.name for p in (tmp_path / "cache").iterdir())
    assert len(names) == 2 and any("-w64-" in name for name in names)

    seen = {}
    import evaluation.common as common

    def spy(texts, model, models_dir, cache_dir=None, **kwargs):
        seen["max_tokens"] = kwargs.get("max_tokens")
        raise DataError("stop here")

    monkeypatch.setattr(common, "embed_all", spy)
    monkeypatch.setattr("evaluation.routing_eval.embed_all", spy)
    monkeypatch.setenv("VOC_MAX_TOKENS", "48")
    monkeypatch.setenv("VOC_MODELS_DIR", str(built_models_dir))
    get_settings.cache_clear()
    data = tmp_path / "rows.csv"
    data.write_text("text,label\nплохо,complaint\nхорошо,other\nужасно,complaint\nнорм,other\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "routing", "--data", str(data), "--text-col", "text", "--label-col",
                                 "label", "--positive", "complaint", "--out", str(tmp_path / "out"),
                                 "--model", "e5-small"])
    get_settings.cache_clear()
    assert seen == {"max_tokens": 48}, result.output
