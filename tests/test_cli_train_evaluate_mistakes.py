"""`voc train` and `voc evaluate` on a careless user's input: owners, columns named twice, one-line errors,
no folder left behind by a failed run, no half-saved head, encodings, the same rows twice."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_cli_evaluate_edge_cases import TAXONOMY
from tests.test_cli_input_errors import (  # noqa: F401  (no_embedding: a fixture the tests use by name)
    SENTIMENT,
    TOPICS,
    common,
    labelled_rows,
    no_embedding,
    refused,
    write_csv,
)

ROOT = Path(__file__).resolve().parents[1]


def owned_rows(owners):
    """TOPICS rows with the owner column filled from ``owners[label]`` in row order."""
    rows = labelled_rows(TOPICS)
    position = {label: 0 for label in TOPICS}
    for row in rows:
        row["owner"] = owners[row["label"]][position[row["label"]]]
        position[row["label"]] += 1
    return rows


def test_train_topics_records_the_most_frequent_owner_and_warns_of_several(voc, tmp_path):
    owners = {"late": ["", "", "ops", "ops", "ops", "sales", "sales", ""], "refund": [""] * 8}
    data = write_csv(tmp_path / "d.csv", owned_rows(owners), fields=("text", "label", "split", "owner"))
    result = voc("train", "topics", *common(data, tmp_path / "head"), "--owner-col", "owner")
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "head" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["owners"] == {"late": "ops", "refund": ""}  # not the empty cell of the first row
    assert ("warning: topic 'late' has 2 owners in the column 'owner' ('ops' 3, 'sales' 2); the head records "
            "'ops', the most frequent") in result.stderr
    assert "warning: no row of 1 topics gives an owner in the column 'owner': 'refund'" in result.stderr


@pytest.mark.usefixtures("no_embedding")
def test_train_topics_refuses_an_owner_column_empty_in_every_row(voc, tmp_path):
    owners = {label: [""] * 8 for label in TOPICS}
    data = write_csv(tmp_path / "d.csv", owned_rows(owners), fields=("text", "label", "split", "owner"))
    refused(voc("train", "topics", *common(data, tmp_path / "head"), "--owner-col", "owner"),
            "--owner-col 'owner' is empty in every row")
    assert not (tmp_path / "head").exists()


@pytest.mark.parametrize("command, option, column, message", [
    (["train", "topics"], "--owner-col", "text", "--owner-col and --text-col are both 'text'"),
    (["evaluate", "topics"], "--owner-col", "label", "--owner-col and --label-col are both 'label'"),
    (["evaluate", "topics"], "--split-col", "text", "--split-col and --text-col are both 'text'"),
    (["evaluate", "sentiment"], "--split-col", "label", "--split-col and --label-col are both 'label'"),
])
@pytest.mark.usefixtures("no_embedding")
def test_a_column_option_naming_another_options_column_is_refused(voc, tmp_path, command, option,
                                                                  column, message):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS if command[1] == "topics" else SENTIMENT))
    refused(voc(*command, *common(data, tmp_path / "o"), option, column), message)


def only_line(result) -> str:
    """The one line of stderr other than warnings and progress."""
    lines = [line for line in result.stderr.splitlines() if not line.startswith(("warning:", "embed:"))]
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.usefixtures("no_embedding")
def test_train_errors_from_a_parser_are_one_line(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    (tmp_path / "bad.yaml").write_text("topics: [\n", encoding="utf-8")
    result = voc("train", "topics", *common(data, tmp_path / "head"), "--taxonomy", tmp_path / "bad.yaml")
    assert result.exit_code == 2, result.output
    assert only_line(result).startswith("error:") and "not valid YAML" in only_line(result)


@pytest.mark.usefixtures("no_embedding")
def test_train_topics_refuses_an_unknown_label_that_is_a_topic_of_the_taxonomy(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    (tmp_path / "t.yaml").write_text(TAXONOMY, encoding="utf-8")
    refused(voc("train", "topics", *common(data, tmp_path / "head"), "--taxonomy", tmp_path / "t.yaml",
                "--unknown-label", "refund"), "--unknown-label 'refund' is a topic id of")


def few_rows(tmp_path):
    rows = [{"text": "курьер опоздал", "label": "late"}, {"text": "курьер опоздал w2", "label": "late"},
            {"text": "my refund", "label": "refund"}, {"text": "my refund w3", "label": "refund"}]
    return write_csv(tmp_path / "few.csv", rows, fields=("text", "label"))


@pytest.mark.parametrize("command, extra", [(["train", "topics"], []), (["evaluate", "topics"], ["--cv", "2"])])
def test_a_run_that_fails_after_embedding_leaves_no_new_output_folder(voc, tmp_path, command, extra):
    out = tmp_path / "new" / "out"
    result = voc(*command, *common(few_rows(tmp_path), out), *extra)
    assert result.exit_code == 2 and "cannot train a topic head" in result.stderr, result.output
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    assert voc(*command, *common(few_rows(tmp_path), kept), *extra).exit_code == 2
    assert kept.is_dir()  # a folder the user made stays


def test_a_head_whose_save_fails_leaves_the_old_head_whole(voc, tmp_path, monkeypatch):
    data = write_csv(tmp_path / "s.csv", labelled_rows(SENTIMENT))
    out = tmp_path / "head"
    assert voc("train", "sentiment", *common(data, out)).exit_code == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def broken_save(self, folder, manifest):
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / "weights.npz").write_bytes(b"half a file")
        raise OSError(28, "No space left on device", str(Path(folder) / "manifest.json"))

    monkeypatch.setattr("sentiment.head.SentimentHead.save", broken_save)
    result = voc("train", "sentiment", *common(data, out), "--no-ngrams")
    assert isinstance(result.exception, OSError), result.output
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


@pytest.mark.usefixtures("no_embedding")
def test_sentiment_labels_that_are_none_of_the_three_point_at_label_map(voc, tmp_path):
    rows = [{**row, "label": row["label"].title()} for row in labelled_rows(SENTIMENT)]
    data = write_csv(tmp_path / "s.csv", rows)
    for command in (["train", "sentiment"], ["evaluate", "sentiment"]):
        refused(voc(*command, *common(data, tmp_path / "o")), "label 'Positive' not used",
                "the labels must be negative, neutral, positive: map the file's own with --label-map FROM=TO")


@pytest.mark.usefixtures("no_embedding")
def test_a_column_named_with_other_case_or_spaces_is_suggested(voc, tmp_path):
    data = write_csv(tmp_path / "d.csv", labelled_rows(TOPICS))
    data.write_text(data.read_text(encoding="utf-8").replace("label", " Label", 1), encoding="utf-8")
    refused(voc("train", "topics", *common(data, tmp_path / "o")), "missing column(s) ['label']",
            "did you mean ' Label'?")


@pytest.mark.usefixtures("no_embedding")
def test_a_utf16_file_is_named_as_such(voc, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("text,label\nкурьер опоздал,late\n", encoding="utf-16")
    refused(voc("train", "topics", *common(data, tmp_path / "o")), "not UTF-8", "iconv -f utf-16 -t utf-8")


def test_the_same_rows_twice_are_warned_of(voc, tmp_path):
    rows = labelled_rows(TOPICS)
    data = write_csv(tmp_path / "twice.csv", rows + rows)
    result = voc("evaluate", "topics", *common(data, tmp_path / "cv"), "--cv", "2")
    assert result.exit_code == 0, result.output
    assert "warning: 16 rows repeat the text of an earlier row;" in result.stderr
    copies = [{**row, "split": "test", "label": "refund"} for row in rows if row["split"] == "train"][:3]
    data = write_csv(tmp_path / "split.csv", rows + copies)
    result = voc("evaluate", "topics", *common(data, tmp_path / "split"), "--split-col", "split")
    assert result.exit_code == 0, result.output
    assert "warning: 3 test rows repeat the text of a train row (3 of them with another label);" in result.stderr
    clean = voc("evaluate", "topics", *common(write_csv(tmp_path / "once.csv", rows), tmp_path / "once"), "--cv", "2")
    assert clean.exit_code == 0 and "repeat the text" not in clean.stderr


def test_report_json_is_utf8_whatever_the_locale(tmp_path):
    script = ("import sys; from pathlib import Path; from evaluation.report import write_report; "
              "write_report(Path(sys.argv[1]), {'task': 'topics', "
              "'data': '\\u043e\\u0442\\u0437\\u044b\\u0432\\u044b.csv', "
              "'metrics': {'accuracy': 1.0}, 'baseline': {}})")
    env = {**os.environ, "LC_ALL": "C", "LANG": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0",
           "PYTHONIOENCODING": "utf-8"}
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "r")], cwd=ROOT, env=env,
                          capture_output=True, text=True, encoding="utf-8")
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "r" / "report.json").read_text(encoding="utf-8"))["data"] == "отзывы.csv"
