"""The sentiment stage of the per-message pipeline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.stages import SentimentScore
from sentiment.fusion import fuse, rating_label
from sentiment.head import SentimentHead


class SentimentScorer:
    def __init__(self, head: SentimentHead, *, rating_weight: float = 0.5) -> None:
        self.head = head
        self.rating_weight = rating_weight
        self.version = f"sentiment:{head.manifest.get('name', 'head')}:{head.model}"

    def score(self, vectors: np.ndarray, texts: Sequence[str], satisfaction: Sequence[float | None]
              ) -> list[SentimentScore]:
        probabilities = self.head.probabilities(vectors, texts)
        results = []
        classes = list(self.head.classes)
        for row, rating in zip(probabilities, satisfaction):
            fused = fuse(row, rating, self.rating_weight)
            label, text_label = classes[int(np.argmax(fused))], classes[int(np.argmax(row))]
            rounded = {name: round(float(p), 4) for name, p in zip(classes, fused)}
            results.append(SentimentScore(
                label=label,
                probabilities=rounded,
                text_label=text_label,
                score=round(rounded.get("positive", 0.0) - rounded.get("negative", 0.0), 4),
                confidence=rounded[label],
                decided_by=decided_by(label, text_label, None if rating is None else rating_label(rating)),
            ))
        return results


def decided_by(label: str, text_label: str, rating_label: str | None) -> str:
    """``text`` when the label is the text's alone (no rating, or the rating read otherwise and the
    text outweighed it), ``rating`` when the rating turned the text's label into its own, ``both``
    when they agree or only together give the label (a negative text with a top rating: neutral)."""
    if rating_label is None:
        return "text"
    if label == text_label:
        return "both" if label == rating_label else "text"
    return "rating" if label == rating_label else "both"
