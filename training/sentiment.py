"""Training a sentiment head on message vectors."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sentiment.head import LABELS, SentimentHead


def train_sentiment_head(vectors: np.ndarray, labels: Sequence[str], model: str, *, c: float = 2.0) -> SentimentHead:
    from sklearn.linear_model import LogisticRegression

    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"sentiment labels must be {LABELS}; got {unknown} (map them with --label-map)")
    classifier = LogisticRegression(C=c, max_iter=3000, class_weight="balanced")
    classifier.fit(vectors, list(labels))
    order = [list(classifier.classes_).index(label) for label in LABELS if label in classifier.classes_]
    if len(order) != len(LABELS):
        raise ValueError(f"training data needs all of {LABELS}")
    return SentimentHead(classifier.coef_[order], classifier.intercept_[order], LABELS, model)
