"""Training a sentiment head on message vectors, and optionally on n-grams of the texts too."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentiment.head import LABELS, SentimentHead

# what a head is trained with when nothing else is said: the default model's shipped recipe (a shipped
# head's manifest says its own)
DEFAULT_RECIPE = {"c": 1.0, "vector_scale": 2.0, "class_weight": "sqrt-balanced"}
# how the classes are weighted against each other: "balanced" weighs each class by the inverse of
# its share, "sqrt-balanced" by the square root of that (half-way to the data's own mix), "none"
# keeps the data's mix.
CLASS_WEIGHTINGS = ("balanced", "sqrt-balanced", "none")


def shipped_recipe(head: SentimentHead | None) -> dict[str, float | str]:
    """C, vector weight and class weighting a shipped head was trained with (``DEFAULT_RECIPE``
    for what its manifest does not say)."""
    recipe = (head.manifest.get("training") or {}) if head is not None else {}
    return {"c": float(recipe.get("c", DEFAULT_RECIPE["c"])),
            "vector_scale": float(recipe.get("vector_scale", DEFAULT_RECIPE["vector_scale"])),
            "class_weight": str(recipe.get("class_weight", DEFAULT_RECIPE["class_weight"]))}


def class_weights(labels: Sequence[str], weighting: str) -> dict[str, float] | None:
    """Each class's weight under ``weighting`` (one of CLASS_WEIGHTINGS); None for "none"."""
    if weighting not in CLASS_WEIGHTINGS:
        raise ValueError(f"class weighting {weighting!r}: expected one of {', '.join(CLASS_WEIGHTINGS)}")
    if weighting == "none":
        return None
    classes, counts = np.unique(np.asarray(labels, dtype=object), return_counts=True)
    balanced = len(labels) / (len(classes) * counts)
    weights = balanced if weighting == "balanced" else np.sqrt(balanced)
    return {str(label): float(weight) for label, weight in zip(classes, weights)}


def train_sentiment_head(vectors: np.ndarray, labels: Sequence[str], model: str, *, texts: Sequence[str] | None = None,
                         c: float = 2.0, vector_scale: float = 1.0, class_weight: str = "balanced",
                         min_df: int = 2) -> SentimentHead:
    """A logistic regression on the vectors; with ``texts``, one model on the vectors (times
    ``vector_scale``, which sets their weight against the n-grams) and hashed word and
    character n-grams together. ``class_weight`` is one of CLASS_WEIGHTINGS."""
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
    weights = class_weights(labels, class_weight)
    ngrams = None
    features = vectors
    if texts is not None:
        from scipy import sparse

        from sentiment.text_features import HashedNgrams

        ngrams = HashedNgrams(min_df=min_df).fit(list(texts))
        features = sparse.hstack([sparse.csr_matrix(vectors * vector_scale),
                                  ngrams.transform(list(texts))], format="csr")
    classifier = LogisticRegression(C=c, max_iter=5000, class_weight=weights)
    classifier.fit(features, labels)
    order = [list(classifier.classes_).index(label) for label in LABELS]
    coef, intercept = classifier.coef_[order], classifier.intercept_[order]
    dim = vectors.shape[1]
    if ngrams is None:
        return SentimentHead(coef, intercept, LABELS, model)
    return SentimentHead(coef[:, :dim] * vector_scale, intercept, LABELS, model,
                         ngrams=ngrams, ngram_coef=coef[:, dim:])
