"""Topic votes of the nearest training messages (cosine kNN over L2-normalised vectors).

Each of the ``k`` most similar training messages votes for its topic with weight
``exp((similarity - best) / temperature)``: with a small temperature the closest
paraphrase dominates, with a large one the vote approaches a plain majority of the ``k``.
"""

from __future__ import annotations

import numpy as np


def neighbour_votes(vectors: np.ndarray, reference: np.ndarray, reference_columns: np.ndarray, n_classes: int, *,
                    k: int = 10, temperature: float = 0.02, chunk: int = 1024) -> np.ndarray:
    """Class probabilities (rows sum to 1) from the ``k`` nearest reference vectors.

    ``reference_columns[j]`` is the class column of reference vector ``j``.
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    reference = np.asarray(reference, dtype=np.float32)
    reference_columns = np.asarray(reference_columns, dtype=np.int64)
    k = max(1, min(k, len(reference)))
    result = np.zeros((len(vectors), n_classes))
    for start in range(0, len(vectors), chunk):
        similarity = vectors[start:start + chunk] @ reference.T
        nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        chosen = np.take_along_axis(similarity, nearest, axis=1).astype(np.float64)
        weights = np.exp((chosen - chosen.max(axis=1, keepdims=True)) / temperature)
        rows = np.repeat(np.arange(len(nearest)), k)
        np.add.at(result[start:start + chunk], (rows, reference_columns[nearest].ravel()), weights.ravel())
    return result / result.sum(axis=1, keepdims=True)
