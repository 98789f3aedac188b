"""The sentiment stage of the per-message pipeline."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.stages import SentimentScore
from sentiment.fusion import fuse
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
        for row, rating in zip(probabilities, satisfaction):
            fused = fuse(row, rating, self.rating_weight)
            results.append(SentimentScore(
                label=self.head.classes[int(np.argmax(fused))],
                probabilities={label: round(float(p), 4) for label, p in zip(self.head.classes, fused)},
                text_label=self.head.classes[int(np.argmax(row))],
            ))
        return results
