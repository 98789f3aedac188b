"""Topic votes of the nearest training messages (cosine kNN over L2-normalised vectors).

Each of the ``k`` most similar training messages votes for its topic with weight
``exp((similarity - best) / temperature)``: with a small temperature the closest
paraphrase dominates, with a large one the vote approaches a plain majority of the ``k``.
"""

from __future__ import annotations

import numpy as np


def neighbour_votes(vectors: np.ndarray, reference: np.ndarray, reference_columns: np.ndarray, n_classes: int, *,
                    k: int = 10, temperature: float = 0.02) -> np.ndarray:
    """Class probabilities (rows sum to 1) from the ``k`` nearest reference vectors.

    ``reference_columns[j]`` is the class column of reference vector ``j``.
    """
    from core.neighbours import cosine_neighbours

    reference_columns = np.asarray(reference_columns, dtype=np.int64)
    nearest, distances = cosine_neighbours(vectors, reference, max(1, min(k, len(reference))))
    closeness = 1.0 - distances.astype(np.float64)
    weights = np.exp((closeness - closeness.max(axis=1, keepdims=True)) / temperature)
    result = np.zeros((len(nearest), n_classes))
    rows = np.repeat(np.arange(len(nearest)), nearest.shape[1])
    np.add.at(result, (rows, reference_columns[nearest].ravel()), weights.ravel())
    return result / result.sum(axis=1, keepdims=True)
