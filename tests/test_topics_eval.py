"""`voc evaluate topics`: the probe baseline and out-of-taxonomy rows learned as a background class."""

import csv
import json

from evaluation.topics_eval import evaluate_topics

TOPICS = {"late": ["курьер опоздал", "доставка опоздала", "курьер не приехал"],
          "refund": ["where is my refund", "refund my money", "money back please"],
          "OUT": ["смарт тв что это", "версия студии", "скачать видео"]}


def write(path):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "split"])
        for label, phrases in TOPICS.items():
            for i in range(6):
                writer.writerow([f"{phrases[i % 3]} w{i}", label, "train" if i < 4 else "test"])
    return path


def test_out_of_taxonomy_rows_can_be_learned(tmp_path, tiny_model_dir):
    data = write(tmp_path / "d.csv")
    kwargs = dict(split_col="split", unknown_label="OUT", model=str(tiny_model_dir), models_dir=tiny_model_dir.parent)
    unseen = evaluate_topics(data, "text", "label", tmp_path / "a", **kwargs)
    learned = evaluate_topics(data, "text", "label", tmp_path / "b", learn_unknown=True, **kwargs)
    assert "background class" in learned["method"] and "background class" not in unseen["method"]
    assert unseen["baseline"]["unknown_recall"] == 0.0  # the baseline never saw an out-of-taxonomy row
    assert learned["baseline"]["unknown_recall"] > 0.0
    assert learned["metrics"]["unknown_recall"] >= unseen["metrics"]["unknown_recall"]
    saved = json.loads((tmp_path / "b" / "report.json").read_text())
    for key in ("accuracy", "macro_f1", "unknown_recall", "known_accuracy"):
        assert 0 <= saved["baseline_probe"][key] <= 1
    assert 0 <= saved["metrics"]["known_accuracy_drop"] <= 1


def test_the_cli_passes_learn_unknown_and_refuses_it_alone(tmp_path, tiny_model_dir, monkeypatch):
    from typer.testing import CliRunner

    from cli.main import app
    from core.settings import get_settings

    data = write(tmp_path / "d.csv")
    base = ["evaluate", "topics", "--data", str(data), "--text-col", "text", "--label-col", "label",
            "--split-col", "split", "--model", str(tiny_model_dir)]
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    get_settings.cache_clear()
    try:
        alone = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "x"), "--learn-unknown"])
        learned = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "c"), "--unknown-label", "OUT",
                                           "--learn-unknown"])
    finally:
        get_settings.cache_clear()
    assert alone.exit_code == 2 and "--learn-unknown needs --unknown-label" in alone.output
    assert learned.exit_code == 0, learned.output
    assert "background class" in json.loads((tmp_path / "c" / "report.json").read_text())["method"]
