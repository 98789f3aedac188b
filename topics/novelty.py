"""When a topic head should answer "unknown": a message unlike the topics it was trained on.

Two signals, each turned into a percentile among held-out messages of known topics (so
the rule does not depend on one model's cosine scale or on the number of classes):

- the head's top probability (how sure the classifier is), and
- the similarity to the nearest training message (how close anything seen in training is).

The novelty score is the product of the two percentiles; a message whose score falls
below the ``quantile`` of held-out known messages' scores is "unknown". ``quantile`` is
therefore the share of known messages the rule may send to discovery (5 % by default),
which bounds the loss of known-topic accuracy.
"""

from __future__ import annotations

import numpy as np

GRID = np.linspace(0.0, 1.0, 101)


class NoveltyRule:
    def __init__(self, quantile: float = 0.05) -> None:
        self.quantile = quantile

    def fit(self, top_probability: np.ndarray, nearest_similarity: np.ndarray) -> NoveltyRule:
        """Fit on held-out messages of known topics (their top probability and nearest-neighbour similarity)."""
        self.probability_table_ = np.quantile(top_probability, GRID)
        self.similarity_table_ = np.quantile(nearest_similarity, GRID)
        scores = self.score(top_probability, nearest_similarity)
        self.threshold_ = float(np.quantile(scores, self.quantile)) if self.quantile > 0 else -1.0
        return self

    def score(self, top_probability: np.ndarray, nearest_similarity: np.ndarray) -> np.ndarray:
        return _percentile(self.probability_table_, top_probability) * _percentile(
            self.similarity_table_, nearest_similarity)

    def is_unknown(self, top_probability: np.ndarray, nearest_similarity: np.ndarray) -> np.ndarray:
        return self.score(top_probability, nearest_similarity) < self.threshold_

    def to_json(self) -> dict:
        return {"quantile": self.quantile, "threshold": self.threshold_,
                "probability_table": [round(float(v), 6) for v in self.probability_table_],
                "similarity_table": [round(float(v), 6) for v in self.similarity_table_]}

    @classmethod
    def from_json(cls, data: dict) -> NoveltyRule:
        rule = cls(data["quantile"])
        rule.threshold_ = float(data["threshold"])
        rule.probability_table_ = np.asarray(data["probability_table"])
        rule.similarity_table_ = np.asarray(data["similarity_table"])
        return rule


def _percentile(table: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the reference below each value (interpolated between stored quantiles)."""
    table = np.maximum.accumulate(table)
    unique, first = np.unique(table, return_index=True)
    if len(unique) == 1:
        return np.where(np.asarray(values) < unique[0], 0.0, 1.0)
    return np.interp(values, unique, GRID[first], left=0.0, right=1.0)


def nearest_similarity(vectors: np.ndarray, reference: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Cosine similarity of each (L2-normalised) vector to its nearest reference vector."""
    reference = np.asarray(reference, dtype=np.float32)
    result = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), chunk):
        result[start:start + chunk] = (vectors[start:start + chunk] @ reference.T).max(axis=1)
    return result
