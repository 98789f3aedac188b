"""The builder of the shipped sentiment heads, run on small files shaped like the two corpora."""

import csv
import json

from sentiment.head import SentimentHead
from tests.test_sentiment_head import NEGATIVE, NEUTRAL, POSITIVE
from training.build_sentiment_heads import main, validation_start


def write(path, fields, rows):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return path


def corpora(tmp_path):
    groups = ((POSITIVE, "positive"), (NEGATIVE, "negative"), (NEUTRAL, "neutral"))
    sre = []
    for day, split in ((1, "train"), (2, "train"), (3, "train"), (4, "train"), (9, "test")):
        sre += [{"text": t, "tweet_sentiment": label, "split": split, "date_utc": f"2014-08-0{day}T10:00:00+00:00"}
                for group, label in groups for t in group]
    sre.append({"text": "и так и этак", "tweet_sentiment": "mixed", "split": "train", "date_utc": "2014-08-01"})
    rst = [{"text": t, "label": label, "split": "train"} for group, label in groups for t in group]
    rst.append({"text": "просто речь", "label": "speech", "split": "train"})
    return (write(tmp_path / "sre.csv", ["text", "tweet_sentiment", "split", "date_utc"], sre),
            write(tmp_path / "rst.csv", ["text", "label", "split"], rst))


def test_validation_is_the_latest_share_of_the_rows():
    dates = [f"2014-08-{day:02d}T00:00:00" for day in range(1, 11)]
    assert validation_start(dates, 0.2) == "2014-08-09"


def test_the_builder_chooses_on_validation_and_writes_a_head_with_its_card(tmp_path, tiny_model_dir, capsys):
    sre, rst = corpora(tmp_path)
    main(["--sentirueval", str(sre), "--rusentitweet", str(rst), "--models", str(tiny_model_dir),
          "--models-dir", str(tiny_model_dir.parent), "--heads-dir", str(tmp_path / "heads"),
          "--c", "3", "--vector-scale", "0.5", "2", "--min-df", "1"])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    candidates, summary = lines[:-1], lines[-1]
    assert len(candidates) == 8 and {c["mix"] for c in candidates} == {"sentirueval", "sentirueval+rusentitweet"}
    assert {c["class_weight"] for c in candidates} == {"balanced", "sqrt-balanced"}
    assert summary["chosen"]["validation_macro_f1"] == max(c["validation_macro_f1"] for c in candidates)
    folder = tmp_path / "heads" / summary["model"]
    head = SentimentHead.load(folder, expected_model=summary["model"])
    manifest = head.manifest
    assert manifest["format_version"] == 2 and manifest["metrics"]["n_test"] == len(POSITIVE + NEGATIVE + NEUTRAL)
    assert manifest["training"]["validation"].endswith("2014-08-04 or later")
    assert manifest["metrics"]["macro_f1"] == summary["macro_f1"] and summary["macro_f1"] > 0.8
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"| this head | {summary['macro_f1']:.3f} |" in card and "--rusentitweet" in card
    assert manifest["training"]["class_weight"] == summary["chosen"]["class_weight"]
    assert f"{summary['chosen']['class_weight']} class weights" in card
