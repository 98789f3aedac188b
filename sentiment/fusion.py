"""Fusing the text's sentiment with the customer's own score.

The rating, normalised to satisfaction s in [0, 1] (see core.ratings), is read as a
distribution over the three classes: negative (1−s)², neutral 2s(1−s), positive s².
The fused distribution is the weighted geometric mean of the text's and the rating's
distributions (``rating_weight`` 0.5 by default), renormalised. With no rating the
text decides alone.
"""

from __future__ import annotations

import numpy as np

from sentiment.head import LABELS


def rating_distribution(satisfaction: float) -> np.ndarray:
    s = min(max(satisfaction, 0.0), 1.0)
    return np.array([(1 - s) ** 2, 2 * s * (1 - s), s**2], dtype=np.float64)


def rating_label(satisfaction: float) -> str:
    """The class the rating alone reads as (the likeliest under ``rating_distribution``)."""
    return LABELS[int(np.argmax(rating_distribution(satisfaction)))]


def fuse(text_probabilities: np.ndarray, satisfaction: float | None, rating_weight: float = 0.5) -> np.ndarray:
    if satisfaction is None:
        return text_probabilities
    prior = np.clip(rating_distribution(satisfaction), 1e-4, 1.0)
    logits = (1 - rating_weight) * np.log(np.clip(text_probabilities, 1e-6, 1.0)) + rating_weight * np.log(prior)
    fused = np.exp(logits - logits.max())
    return fused / fused.sum()


__all__ = ["LABELS", "fuse", "rating_distribution", "rating_label"]
