"""`voc train sentiment`: a company's own labelled messages → a head the service can load."""

import csv

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings

runner = CliRunner()
PHRASES = {
    "positive": ["спасибо, всё отлично", "курьер молодец, очень доволен", "great service, thank you",
                 "быстро привезли, супер", "люблю ваш магазин", "всё понравилось, рекомендую"],
    "negative": ["ужасный сервис, верните деньги", "курьер нахамил, отвратительно", "terrible, never again",
                 "заказ потеряли, кошмар", "хуже магазина не видел", "опять обманули, возмущён"],
    "neutral": ["где мой заказ", "как поменять адрес доставки", "what are your opening hours",
                "можно оплатить картой", "какой номер заказа", "когда будет доставка"],
}


@pytest.fixture(autouse=True)
def settings_read_afresh(built_models_dir, monkeypatch):
    monkeypatch.setenv("VOC_MODELS_DIR", str(built_models_dir))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def write(path, rows):
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "mark"])
        writer.writerows(rows)
    return path


@pytest.mark.integration
def test_a_trained_head_loads_and_separates_clear_messages(tmp_path, built_models_dir):
    from embeddings.loader import load_embedder
    from sentiment.head import SentimentHead

    marks = {"positive": "5", "negative": "1", "neutral": "3"}
    data = write(tmp_path / "reviews.csv", [(f"{text} {i}", marks[label]) for label, texts in PHRASES.items()
                                            for i, text in enumerate(texts * 2)] + [("", "5")])
    result = runner.invoke(app, ["train", "sentiment", "--data", str(data), "--text-col", "text", "--label-col", "mark",
                                 "--label-map", "5=positive", "--label-map", "1=negative", "--label-map", "3=neutral",
                                 "--out", str(tmp_path / "head")])
    assert result.exit_code == 0, result.output
    assert "dropped 1 rows (empty text)" in result.output and "VOC_SENTIMENT_HEAD=" in result.output
    head = SentimentHead.load(tmp_path / "head", expected_model="e5-small")
    assert head.manifest["recipe"]["class_weight"] == "sqrt-balanced"
    texts = ["спасибо большое, всё отлично", "отвратительно, верните деньги"]
    vectors = load_embedder("e5-small", built_models_dir).embed(texts)
    assert head.predict(vectors, texts) == ["positive", "negative"]


@pytest.mark.parametrize("rows, args, message", [
    ([("хорошо", "positive"), ("плохо", "negative")] * 3, [], "too few of ['neutral']"),
    ([("хорошо", "positive")], ["--label-map", "positive"], "--label-map expects FROM=TO"),
    ([("хорошо", "positive")], ["--class-weight", "inverse"], "--class-weight 'inverse': expected one of"),
])
def test_bad_training_data_is_a_clear_error(tmp_path, rows, args, message):
    data = write(tmp_path / "d.csv", rows)
    result = runner.invoke(app, ["train", "sentiment", "--data", str(data), "--text-col", "text", "--label-col", "mark",
                                 "--out", str(tmp_path / "h"), *args])
    assert result.exit_code == 2 and message in result.output, result.output
    assert not (tmp_path / "h").exists()


def test_a_missing_column_names_it(tmp_path):
    data = write(tmp_path / "d.csv", [("хорошо", "positive")])
    result = runner.invoke(app, ["train", "sentiment", "--data", str(data), "--text-col", "body", "--label-col", "mark",
                                 "--out", str(tmp_path / "h")])
    assert result.exit_code == 2 and "missing column(s) ['body']" in result.output
