"""`voc train topics`: the head records its view weights and its unknown budget."""

import csv
import json

from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
TOPICS = {"late": ["курьер опоздал", "доставка опоздала", "курьер не приехал"],
          "refund": ["where is my refund", "refund my money", "money back please"]}


def test_the_manifest_records_weights_and_the_accuracy_budget(tmp_path, tiny_model_dir, monkeypatch):
    path = tmp_path / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        for label, phrases in TOPICS.items():
            for i in range(4):
                writer.writerow([f"{phrases[i % 3]} w{i}", label])
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    from core.settings import get_settings

    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["train", "topics", "--data", str(path), "--text-col", "text", "--label-col",
                                     "label", "--out", str(tmp_path / "head"), "--model", str(tiny_model_dir),
                                     "--max-accuracy-drop", "0.05"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "head" / "manifest.json").read_text())
    assert manifest["parameters"]["max_accuracy_drop"] == 0.05
    assert manifest["novelty"]["max_accuracy_drop"] == 0.05
    assert set(manifest["weights"]) == {"vector", "text", "neighbour"}
    assert abs(sum(manifest["weights"].values()) - 1) < 1e-9
    assert "weights vector" in result.output


def test_a_budget_outside_zero_to_one_is_refused(tmp_path, tiny_model_dir):
    path = tmp_path / "d.csv"
    path.write_text("text,label\na,x\nb,y\n", encoding="utf-8")
    result = runner.invoke(app, ["train", "topics", "--data", str(path), "--text-col", "text", "--label-col", "label",
                                 "--out", str(tmp_path / "h"), "--max-accuracy-drop", "1.5"])
    assert result.exit_code == 2


def test_rows_outside_the_taxonomy_become_the_background_class(tmp_path, tiny_model_dir, monkeypatch):
    path = tmp_path / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "owner"])
        for label, phrases in {**TOPICS, "NONE": ["смарт тв что это", "версия студии", "скачать видео"]}.items():
            for i in range(4):
                writer.writerow([f"{phrases[i % 3]} w{i}", label, "" if label == "NONE" else "ops"])
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    from core.settings import get_settings
    from topics.supervised import UNKNOWN, load_supervised

    get_settings.cache_clear()
    try:
        result = runner.invoke(app, ["train", "topics", "--data", str(path), "--text-col", "text", "--label-col",
                                     "label", "--owner-col", "owner", "--out", str(tmp_path / "head"), "--model",
                                     str(tiny_model_dir), "--unknown-label", "NONE"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    head = load_supervised(tmp_path / "head")
    assert sorted(head.classes_) == ["late", "refund", UNKNOWN]
    assert head.manifest_["owners"] == {"late": "ops", "refund": "ops"}


def test_labels_are_checked_against_the_taxonomy_given(tmp_path, tiny_model_dir, monkeypatch):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text("""
owners:
  - {id: delivery, name: Delivery, queue: delivery-q}
  - {id: finance, name: Finance, queue: finance-q}
topics:
  - {id: late, names: {ru: Опоздание}, owner: delivery, severity: 3}
  - {id: refund, names: {en: Refund}, owner: finance, severity: 3}
""", encoding="utf-8")
    path = tmp_path / "data.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label", "owner"])
        for label, phrases in {**TOPICS, "Late ": ["курьер опоздал"], "promo": ["промокод не работает"]}.items():
            for i in range(4):
                writer.writerow([f"{phrases[i % len(phrases)]} w{i}", label, "support" if label == "late" else ""])
    monkeypatch.setenv("VOC_MODELS_DIR", str(tiny_model_dir.parent))
    from core.settings import get_settings
    from topics.supervised import load_supervised

    base = ["train", "topics", "--data", str(path), "--text-col", "text", "--label-col", "label", "--owner-col",
            "owner", "--model", str(tiny_model_dir), "--taxonomy", str(taxonomy)]
    get_settings.cache_clear()
    try:
        result = runner.invoke(app, [*base, "--out", str(tmp_path / "head")])
        other = tmp_path / "other.yaml"
        other.write_text(taxonomy.read_text().replace("id: late,", "id: late_delivery,").replace(
            "id: refund,", "id: refunds,"), encoding="utf-8")
        refused = runner.invoke(app, [*base[:-1], str(other), "--out", str(tmp_path / "none")])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "dropped 8 rows whose label is no topic of taxonomy@" in result.output
    assert "'promo' (4)" in result.output  # "Late " is read as "Late", also no topic id: named too
    assert "'Late' (4)" in result.output
    assert "4 rows give topic 'late' the owner 'support'; the taxonomy's owner 'delivery'" in result.output
    head = load_supervised(tmp_path / "head")
    assert sorted(head.classes_) == ["late", "refund"] and head.manifest_["taxonomy"].startswith("taxonomy@")
    assert refused.exit_code == 2 and "no row's label is a topic of" in refused.output
    assert not (tmp_path / "none" / "manifest.json").exists()
