"""Training a sentiment head on message vectors, and optionally on n-grams of the texts too."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentiment.head import LABELS, SentimentHead

DEFAULT_RECIPE = {"c": 1.0, "vector_scale": 2.0}  # what the shipped heads were chosen with


def shipped_recipe(head: SentimentHead | None) -> dict[str, float]:
    """C and vector weight a shipped head was trained with (``DEFAULT_RECIPE`` without one)."""
    recipe = (head.manifest.get("training") or {}) if head is not None else {}
    return {key: float(recipe.get(key, default)) for key, default in DEFAULT_RECIPE.items()}


def train_sentiment_head(vectors: np.ndarray, labels: Sequence[str], model: str, *, texts: Sequence[str] | None = None,
                         c: float = 2.0, vector_scale: float = 1.0, class_weight: str | None = "balanced",
                         min_df: int = 2) -> SentimentHead:
    """A logistic regression on the vectors; with ``texts``, one model on the vectors (times
    ``vector_scale``, which sets their weight against the n-grams) and hashed word and
    character n-grams together."""
    from sklearn.linear_model import LogisticRegression

    vectors = np.asarray(vectors, dtype=np.float32)
    labels = list(labels)
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"sentiment labels must be {LABELS}; got {unknown} (map them with --label-map)")
    if len(labels) != len(vectors) or (texts is not None and len(texts) != len(vectors)):
        raise ValueError(f"{len(vectors)} vectors, {len(labels)} labels and "
                         f"{'no' if texts is None else len(texts)} texts: give one of each per message")
    if set(labels) != set(LABELS):
        raise ValueError(f"training data needs all of {LABELS}")
    ngrams = None
    features = vectors
    if texts is not None:
        from scipy import sparse

        from sentiment.text_features import HashedNgrams

        ngrams = HashedNgrams(min_df=min_df).fit(list(texts))
        features = sparse.hstack([sparse.csr_matrix(vectors * vector_scale),
                                  ngrams.transform(list(texts))[:, ngrams.kept_columns()]], format="csr")
    classifier = LogisticRegression(C=c, max_iter=5000, class_weight=class_weight)
    classifier.fit(features, labels)
    order = [list(classifier.classes_).index(label) for label in LABELS]
    coef, intercept = classifier.coef_[order], classifier.intercept_[order]
    dim = vectors.shape[1]
    if ngrams is None:
        return SentimentHead(coef, intercept, LABELS, model)
    return SentimentHead(coef[:, :dim] * vector_scale, intercept, LABELS, model,
                         ngrams=ngrams, ngram_coef=coef[:, dim:])
