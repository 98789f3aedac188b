"""The sentiment head: vectors + n-grams in one linear model, its saved format, and bad input."""

import json

import numpy as np
import pytest

from core.errors import ModelError
from sentiment.head import HEADS_DIR, LABELS, SentimentHead, shipped_head
from sentiment.scorer import SentimentScorer
from sentiment.text_features import HashedNgrams, normalise_message
from training.sentiment import train_sentiment_head

POSITIVE = ["спасибо, отличный сервис", "очень доволен, всё супер", "отлично, быстро и вежливо",
            "супер, спасибо большое", "доволен, отличная поддержка", "всё отлично, спасибо"]
NEGATIVE = ["ужасно, верните деньги", "отвратительный сервис, ужас", "кошмар, опять ничего не работает",
            "ужас, деньги списали дважды", "отвратительно, кошмар", "не работает, верните деньги"]
NEUTRAL = ["где посмотреть тариф", "какой номер у отделения", "как поменять адрес доставки", "где найти договор",
           "какой тариф у меня", "как узнать номер заказа"]


def fixture_data(repeat: int = 3, dim: int = 8, seed: int = 0):
    texts = (POSITIVE + NEGATIVE + NEUTRAL) * repeat
    labels = (["positive"] * len(POSITIVE) + ["negative"] * len(NEGATIVE) + ["neutral"] * len(NEUTRAL)) * repeat
    # vectors without any signal: the n-grams alone have to separate the classes
    vectors = np.random.default_rng(seed).standard_normal((len(texts), dim)).astype(np.float32)
    return vectors, labels, texts


@pytest.fixture(scope="module")
def trained_head():
    vectors, labels, texts = fixture_data()
    return train_sentiment_head(vectors, labels, "tiny", texts=texts, c=10.0, min_df=1)


def test_a_head_trained_on_a_small_set_separates_clear_positive_and_negative_texts(trained_head):
    unseen = ["отлично, спасибо за сервис", "ужас, верните мои деньги", "кошмар, отвратительно", "супер, очень доволен"]
    vectors = np.random.default_rng(1).standard_normal((len(unseen), 8)).astype(np.float32)
    assert trained_head.predict(vectors, unseen) == ["positive", "negative", "negative", "positive"]
    probabilities = trained_head.probabilities(vectors, unseen)
    assert probabilities.shape == (4, 3) and np.allclose(probabilities.sum(axis=1), 1.0)
    assert probabilities[1, LABELS.index("negative")] > 0.5


def test_vectors_carry_weight_when_the_texts_say_nothing():
    rng = np.random.default_rng(2)
    centres = {"negative": np.eye(8)[0] * 3, "neutral": np.eye(8)[1] * 3, "positive": np.eye(8)[2] * 3}
    labels = [label for label in LABELS for _ in range(20)]
    vectors = np.stack([centres[label] + rng.normal(scale=0.3, size=8) for label in labels]).astype(np.float32)
    texts = ["одно и то же сообщение"] * len(labels)
    head = train_sentiment_head(vectors, labels, "tiny", texts=texts, c=10.0, vector_scale=2.0, min_df=1)
    probe = np.stack([centres["negative"], centres["positive"]]).astype(np.float32)
    assert head.predict(probe, ["одно и то же сообщение"] * 2) == ["negative", "positive"]


def test_the_saved_head_round_trips_with_a_versioned_manifest(trained_head, tmp_path):
    folder = trained_head.save(tmp_path / "head", {"name": "sentiment-tiny", "metrics": {"macro_f1": 0.5}})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["format_version"] == 2 and manifest["model"] == "tiny" and manifest["classes"] == list(LABELS)
    assert manifest["ngrams"]["min_df"] == 1 and manifest["metrics"] == {"macro_f1": 0.5}
    with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
        assert {"coef", "intercept", "ngram_coef", "word_kept", "char_idf"} <= set(arrays.files)
    loaded = SentimentHead.load(folder, expected_model="tiny")
    vectors, _, texts = fixture_data(repeat=1, seed=5)
    assert np.allclose(loaded.probabilities(vectors, texts), trained_head.probabilities(vectors, texts), atol=2e-3)
    assert loaded.predict(vectors, texts) == trained_head.predict(vectors, texts)


def test_a_vectors_only_head_of_the_first_format_still_loads_and_scores(tmp_path):
    coef = np.zeros((3, 4), dtype=np.float32)
    coef[0, 0], coef[2, 1] = 5.0, 5.0
    folder = SentimentHead(coef, np.zeros(3), LABELS, "tiny").save(tmp_path / "v1", {"name": "v1"})
    assert "format_version" not in json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    head = SentimentHead.load(folder, "tiny")
    assert not head.uses_text
    assert head.predict(np.eye(4, dtype=np.float32)[:2]) == ["negative", "positive"]


def test_the_scorer_reads_the_texts(trained_head):
    scorer = SentimentScorer(trained_head)
    vectors = np.zeros((2, 8), dtype=np.float32)
    scores = scorer.score(vectors, ["ужас, верните деньги", "отлично, спасибо"], [None, None])
    assert [s.label for s in scores] == ["negative", "positive"]
    assert abs(sum(scores[0].probabilities.values()) - 1.0) < 1e-3


def test_each_score_has_a_signed_score_a_confidence_and_says_what_decided(trained_head):
    scorer = SentimentScorer(trained_head)
    vectors = np.zeros((5, 8), dtype=np.float32)
    texts = ["ужас, верните деньги", "отлично, спасибо", "ужас, верните деньги", "ужас, верните деньги",
             "отлично, спасибо"]
    # satisfaction in [0, 1]: none; none; the lowest score agrees; the top score; the top score
    scores = scorer.score(vectors, texts, [None, None, 0.0, 1.0, 1.0])
    for item in scores:
        assert -1.0 <= item.score <= 1.0
        assert item.score == pytest.approx(item.probabilities["positive"] - item.probabilities["negative"], abs=1e-4)
        assert item.confidence == max(item.probabilities.values()) == item.probabilities[item.label]
    assert scores[0].score < -0.3 < 0.3 < scores[1].score
    assert [s.decided_by for s in scores[:3]] == ["text", "text", "both"]
    assert scores[4].decided_by == "both"
    # a negative text with the top score: the score pulls the label away from the text's own
    assert scores[3].text_label == "negative" and scores[3].label != "negative"
    assert scores[3].decided_by == ("rating" if scores[3].label == "positive" else "both")


@pytest.mark.parametrize(("label", "text_label", "rating_label", "expected"), [
    ("negative", "negative", None, "text"),
    ("negative", "negative", "negative", "both"),
    ("negative", "negative", "positive", "text"),
    ("positive", "negative", "positive", "rating"),
    ("neutral", "negative", "positive", "both"),
])
def test_what_decided_the_label(label, text_label, rating_label, expected):
    from sentiment.scorer import decided_by

    assert decided_by(label, text_label, rating_label) == expected


def test_a_rating_alone_reads_as_the_class_it_makes_likeliest():
    from sentiment.fusion import rating_label

    assert [rating_label(s) for s in (0.0, 0.25, 0.5, 0.75, 1.0)] == [
        "negative", "negative", "neutral", "positive", "positive"]


def test_scoring_without_texts_or_with_wrong_vectors_is_an_error(trained_head):
    vectors = np.zeros((2, 8), dtype=np.float32)
    with pytest.raises(ValueError, match="texts"):
        trained_head.probabilities(vectors)
    with pytest.raises(ValueError, match="one text per vector"):
        trained_head.probabilities(vectors, ["только один"])
    with pytest.raises(ValueError, match="dimension 8"):
        trained_head.probabilities(np.zeros((2, 5), dtype=np.float32), ["а", "б"])


def test_loading_a_broken_or_foreign_head_is_a_model_error(trained_head, tmp_path):
    folder = trained_head.save(tmp_path / "head", {"name": "x"})
    with pytest.raises(ModelError, match="trained on 'tiny' vectors"):
        SentimentHead.load(folder, expected_model="e5-small")

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    (folder / "manifest.json").write_text(json.dumps({**manifest, "format_version": 9}))
    with pytest.raises(ModelError, match="format version 9"):
        SentimentHead.load(folder)

    (folder / "manifest.json").write_text(json.dumps(manifest))
    with np.load(folder / "weights.npz") as arrays:
        kept = {name: arrays[name] for name in arrays.files if name != "ngram_coef"}
    np.savez(folder / "weights.npz", **kept)
    with pytest.raises(ModelError, match="not a sentiment head"):
        SentimentHead.load(folder)

    np.savez(folder / "weights.npz", **{**kept, "ngram_coef": np.zeros((3, 2), dtype=np.float16)})
    with pytest.raises(ModelError, match="kept columns"):
        SentimentHead.load(folder)

    (folder / "manifest.json").write_text("{not json")
    with pytest.raises(ModelError, match="not a sentiment head"):
        SentimentHead.load(folder)


def test_training_refuses_unusable_data():
    vectors, labels, texts = fixture_data(repeat=1)
    with pytest.raises(ValueError, match="sentiment labels must be"):
        train_sentiment_head(vectors, ["good"] + labels[1:], "tiny", texts=texts)
    keep = [i for i, label in enumerate(labels) if label != "neutral"]
    with pytest.raises(ValueError, match="needs all of"):
        train_sentiment_head(vectors[keep], [labels[i] for i in keep], "tiny", texts=[texts[i] for i in keep])
    with pytest.raises(ValueError, match="one of each per message"):
        train_sentiment_head(vectors, labels, "tiny", texts=texts[:-1])


def test_tweet_normalisation():
    text = "@Sber_Bank ОЧЕНЬ дооооолго!!! #позор http://t.co/AbC ещё"
    assert normalise_message(text).split() == ["@user", "очень", "доолго!!!", "позор", "url", "еще"]


def test_ngram_features_keep_only_columns_seen_often_enough():
    features = HashedNgrams(word_columns=2**10, char_columns=2**12, min_df=2).fit(["кот спит", "кот ест", "жук"])
    matrix = features.transform(["кот", "жук"])
    words = len(features.kept["word"])
    assert matrix.shape == (2, features.kept_count) and 0 < features.kept_count < 2**10 + 2**12
    assert matrix[0].nnz > 0 and matrix[1].nnz == 0  # nothing of "жук" is in two training texts
    assert np.isclose(np.sqrt(matrix[0, :words].multiply(matrix[0, :words]).sum()), 1.0)


@pytest.mark.parametrize("model", sorted(p.name for p in HEADS_DIR.iterdir() if p.is_dir()))
def test_shipped_heads_are_small_versioned_and_documented(model):
    folder = HEADS_DIR / model
    head = shipped_head(model)
    assert head.uses_text and head.manifest["format_version"] == 2
    assert (folder / "weights.npz").stat().st_size < 4 * 2**20
    metrics = head.manifest["metrics"]
    assert metrics["n_test"] > 0 and 0 < metrics["macro_f1"] <= 1
    card = (folder / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"{metrics['macro_f1']:.3f}" in card and "python -m training.build_sentiment_heads" in card
    dim = head.coef.shape[1]
    assert head.probabilities(np.zeros((1, dim), dtype=np.float32), ["ok"]).shape == (1, 3)


CACHE_TEXTS = ["Курьер опоздал, заказ холодный!!! ((", "курьер   вежливый\tи быстрый", "", "   ", "a", "?!",
               "Оооочень ёлка", "@user спасибо http://x.ru #доставка", "два\u00a0слова через nbsp", "😀 emoji ok :)",
               "x" * 300, "слово " * 60, "don't stop", "курьер курьер курьер опоздал",
               "Курьер опоздал, заказ холодный!!! (("]


@pytest.mark.parametrize(("block", "cache_size", "cache"), [("char", "WORD_CACHE_SIZE", "_word_ngrams"),
                                                            ("word", "TERM_CACHE_SIZE", "_term_positions")])
def test_ngram_counts_from_the_caches_are_the_vectorizers_counts_of_the_kept_columns(monkeypatch, block, cache_size,
                                                                                     cache):
    """Scoring counts each block's n-grams from a cache (words' character n-grams, terms' kept
    positions); the counts are the vectorizer's, numbered by position among the kept columns."""
    import sentiment.text_features as text_features

    features = HashedNgrams(min_df=2).fit(CACHE_TEXTS)
    kept = features.kept[block]
    assert 0 < len(kept) < len(set(features._vectorizers()[block].transform(CACHE_TEXTS).indices))
    counts = features._vectorizers()[block].transform(CACHE_TEXTS).tocoo()
    expected = sorted((row, int(np.searchsorted(kept, column)), count)
                      for row, column, count in zip(counts.row.tolist(), counts.col.tolist(), counts.data.tolist())
                      if column in set(kept.tolist()))
    monkeypatch.setattr(text_features, cache_size, 8)  # forces the cache to empty and refill
    normalised = [normalise_message(text) for text in CACHE_TEXTS]
    for _ in range(2):  # cold, then from the cache
        rows, positions, counts = features._entries(block, normalised)
        assert sorted(zip(rows.tolist(), positions.tolist(), counts.tolist())) == expected
    assert 0 < len(getattr(features, cache)) <= 8 + 2 * 60
    whole = features.transform(CACHE_TEXTS)
    assert whole.shape == (len(CACHE_TEXTS), features.kept_count) and np.isfinite(whole.data).all()


def test_projecting_texts_onto_weights_equals_the_feature_matrix_times_them():
    texts = ["Курьер опоздал, заказ холодный!!!", "курьер вежливый и быстрый", "", "   ", "😀", "Оооочень ёлка",
             "@user спасибо http://x.ru #доставка", "ok ok ok ok", "слово, которого не было в обучении"]
    features = HashedNgrams(min_df=2).fit(texts[:8] * 2 + ["курьер опоздал"])
    weights = np.random.default_rng(0).standard_normal((features.kept_count, 3)).astype(np.float32)
    blocks = []  # the features by their definition: the vectorizers' counts, sublinear TF-IDF, unit length per block
    for block in ("word", "char"):
        counts = features._vectorizers()[block].transform(texts).toarray()[:, features.kept[block]]
        weighted = np.where(counts > 0, 1 + np.log(np.maximum(counts, 1)), 0) * features.idf[block]
        norms = np.linalg.norm(weighted, axis=1, keepdims=True)
        blocks.append(weighted / np.where(norms > 0, norms, 1))
    expected = np.hstack(blocks) @ weights
    assert np.allclose(features.transform(texts).toarray(), np.hstack(blocks), atol=1e-6)
    got = features.project(texts, weights)
    assert got.shape == (len(texts), 3)
    assert np.allclose(got, expected, atol=1e-5) and np.abs(expected).sum() > 1
    assert (got[2] == 0).all() and (got[3] == 0).all()  # nothing to count: no n-gram contribution
    assert np.allclose(features.project(texts[:1], weights), expected[:1], atol=1e-5)


def test_class_weightings_range_from_balanced_to_the_data_mix():
    from training.sentiment import class_weights

    labels = ["neutral"] * 8 + ["negative"] * 2 + ["positive"] * 2
    balanced, halfway = class_weights(labels, "balanced"), class_weights(labels, "sqrt-balanced")
    assert balanced == pytest.approx({"neutral": 0.5, "negative": 2.0, "positive": 2.0})
    assert halfway == pytest.approx({label: weight ** 0.5 for label, weight in balanced.items()})
    assert class_weights(labels, "none") is None
    with pytest.raises(ValueError, match="class weighting 'inverse'"):
        class_weights(labels, "inverse")


def test_milder_class_weights_leave_more_answers_to_the_common_class():
    rng = np.random.default_rng(3)
    labels = ["neutral"] * 120 + ["negative"] * 15 + ["positive"] * 15
    centres = {"neutral": 0.0, "negative": -1.0, "positive": 1.0}
    vectors = np.stack([[centres[label] + rng.normal(scale=1.0), rng.normal()] for label in labels]).astype(np.float32)
    shares = {}
    for weighting in ("balanced", "sqrt-balanced", "none"):
        head = train_sentiment_head(vectors, labels, "tiny", c=1.0, class_weight=weighting)
        shares[weighting] = head.predict(vectors).count("neutral") / len(labels)
    assert shares["balanced"] < shares["sqrt-balanced"] < shares["none"]


def test_a_shipped_recipe_carries_its_class_weighting():
    from training.sentiment import DEFAULT_RECIPE, shipped_recipe

    head = shipped_head("e5-small")
    assert shipped_recipe(head)["class_weight"] == head.manifest["training"]["class_weight"]
    assert shipped_recipe(None) == DEFAULT_RECIPE
