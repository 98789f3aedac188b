"""When a topic head should answer "unknown": a message unlike the topics it was trained on.

Two signals, each turned into a percentile among held-out messages of known topics (so
the rule does not depend on one model's cosine scale or on the number of classes):

- the head's top probability (how sure the classifier is), and
- the similarity to the nearest training message (how close anything seen in training is).

The novelty score is the mean of the two percentiles (a message must be low on both to
score near 0, one noisy signal alone does not decide); a message scoring below the
threshold is "unknown". The threshold is calibrated on held-out messages of known topics
only (no example of an unknown message is needed):

- with the held-out answers' correctness, it is the highest threshold at which the
  messages the head would have answered *correctly* but now sends to discovery are at
  most ``max_accuracy_drop`` of all held-out messages (sending a message the head gets
  wrong anyway costs no accuracy), and at most ``quantile`` of them are sent at all;
- without it, the ``quantile`` of the held-out scores.

``quantile`` 0 turns the unknown answer off.
"""

from __future__ import annotations

import numpy as np

GRID = np.linspace(0.0, 1.0, 101)
FLOOR = 1e-9  # the threshold that only a score of 0 falls under


class NoveltyRule:
    def __init__(self, quantile: float = 0.3, max_accuracy_drop: float | None = 0.02) -> None:
        self.quantile = quantile
        self.max_accuracy_drop = max_accuracy_drop

    def fit(self, top_probability: np.ndarray, nearest_similarity: np.ndarray,
            correct: np.ndarray | None = None) -> NoveltyRule:
        """Fit on held-out messages of known topics: top probability, nearest-neighbour similarity and,
        optionally, whether the head's answer was right."""
        self.probability_table_ = np.quantile(top_probability, GRID)
        self.similarity_table_ = np.quantile(nearest_similarity, GRID)
        scores = self.score(top_probability, nearest_similarity)
        if self.quantile <= 0:
            self.threshold_ = -1.0
        elif correct is None or self.max_accuracy_drop is None:
            self.threshold_ = float(np.quantile(scores, self.quantile))
        else:
            self.threshold_ = budget_threshold(scores, np.asarray(correct, dtype=bool), self.max_accuracy_drop,
                                               self.quantile)
        return self

    def score(self, top_probability: np.ndarray, nearest_similarity: np.ndarray) -> np.ndarray:
        return (_percentile(self.probability_table_, top_probability) + _percentile(
            self.similarity_table_, nearest_similarity)) / 2

    def is_unknown(self, top_probability: np.ndarray, nearest_similarity: np.ndarray) -> np.ndarray:
        return self.score(top_probability, nearest_similarity) < self.threshold_

    def to_json(self) -> dict:
        return {"quantile": self.quantile, "max_accuracy_drop": self.max_accuracy_drop, "threshold": self.threshold_,
                "probability_table": [round(float(v), 6) for v in self.probability_table_],
                "similarity_table": [round(float(v), 6) for v in self.similarity_table_]}

    @classmethod
    def from_json(cls, data: dict) -> NoveltyRule:
        rule = cls(data["quantile"], data.get("max_accuracy_drop"))
        rule.threshold_ = float(data["threshold"])
        rule.probability_table_ = np.asarray(data["probability_table"])
        rule.similarity_table_ = np.asarray(data["similarity_table"])
        return rule


def budget_threshold(scores: np.ndarray, correct: np.ndarray, max_accuracy_drop: float, max_share: float) -> float:
    """The highest threshold that sends at most ``max_share`` of the messages below it, of which the
    correctly answered ones are at most ``max_accuracy_drop`` of all messages.

    When not even one message fits, only scores of 0 (below every reference message on both
    signals) fall under the threshold.
    """
    order = np.argsort(scores, kind="stable")
    ordered, correct_below = scores[order], np.concatenate([[0], np.cumsum(correct[order])])
    best = FLOOR
    for candidate in np.unique(ordered)[1:]:
        below = int(np.searchsorted(ordered, candidate, side="left"))
        if below > max_share * len(scores) or correct_below[below] > max_accuracy_drop * len(scores):
            break
        best = float(candidate)
    return best


def _percentile(table: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Share of the reference below each value (interpolated between stored quantiles).

    Mid-ranks: the reference's lowest value gets a small positive share and only a value
    below everything in the reference gets 0, so a message lower than every held-out
    known message always scores below all of them.
    """
    table = np.maximum.accumulate(table)
    unique, first = np.unique(table, return_index=True)
    if len(unique) == 1:
        return np.where(np.asarray(values) < unique[0], 0.0, 1.0)
    return np.interp(values, unique, (GRID[first] * (len(GRID) - 1) + 0.5) / len(GRID), left=0.0, right=1.0)


def nearest_similarity(vectors: np.ndarray, reference: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """Cosine similarity of each (L2-normalised) vector to its nearest reference vector."""
    reference = np.asarray(reference, dtype=np.float32)
    result = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), chunk):
        result[start:start + chunk] = (vectors[start:start + chunk] @ reference.T).max(axis=1)
    return result
