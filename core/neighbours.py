"""Exact cosine nearest neighbours of unit vectors by blocked matrix products.

Used where the product needs the k most similar rows: UMAP's neighbour graph in
`clustering.neighbours` and the topic head's nearest-example votes in `topics.neighbours`.
"""

from __future__ import annotations

import numpy as np

BLOCK_ELEMENTS = 16_000_000  # similarities held at once (64 MB of float32)


def cosine_neighbours(queries: np.ndarray, data: np.ndarray, k: int,
                      exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """(indices, cosine distances) of the ``k`` nearest rows of ``data`` for each row of
    ``queries``, nearest first; all rows unit length. With ``exclude_self`` the queries are
    ``data`` itself and each row is its own first neighbour at distance 0, as UMAP expects."""
    queries = np.ascontiguousarray(queries, dtype=np.float32)
    data = np.ascontiguousarray(data, dtype=np.float32)
    count, total = len(queries), len(data)
    k = min(k, total)
    indices = np.empty((count, k), dtype=np.int64)
    distances = np.empty((count, k), dtype=np.float32)
    block = max(1, BLOCK_ELEMENTS // max(total, 1))
    for start in range(0, count, block):
        similarity = queries[start : start + block] @ data.T
        rows = np.arange(len(similarity))
        if exclude_self:
            similarity[rows, start + rows] = np.inf  # itself first, whatever rounding says
        if k < total:
            top = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
        else:
            top = np.broadcast_to(np.arange(total), (len(similarity), total))
        order = np.argsort(-np.take_along_axis(similarity, top, axis=1), axis=1, kind="stable")
        chosen = np.take_along_axis(top, order, axis=1)
        indices[start : start + block] = chosen
        closeness = np.take_along_axis(similarity, chosen, axis=1)
        distances[start : start + block] = np.clip(1.0 - closeness, 0.0, 2.0)
        if exclude_self:
            distances[start : start + block, 0] = 0.0
    return indices, distances
