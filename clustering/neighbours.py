"""Exact cosine nearest neighbours by blocked matrix products, for UMAP's neighbour graph.

UMAP finds neighbours itself by NNDescent (approximate, and compiled on first use in every
fresh process) or, under 4,096 points, by a pairwise distance matrix computed through a
Python callback, which takes about a minute for 3,000 vectors. For unit vectors the cosine
distance is 1 − x·y, so the exact neighbours of a block of rows are one matrix product and
a partial sort: a fraction of a second for 3,000 rows and seconds for tens of thousands,
with no compilation. `ExactCosineIndex` offers the ``query`` UMAP's ``transform`` asks of its
search index, so a reducer fitted this way still embeds new vectors.
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


class ExactCosineIndex:
    """The fitted vectors, queried like pynndescent's index (``query(X, k)``)."""

    _angular_trees = True  # read by UMAP's transform to pick a search epsilon, which an exact search ignores

    def __init__(self, data: np.ndarray) -> None:
        self.data = np.ascontiguousarray(data, dtype=np.float32)

    def neighbour_graph(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        return cosine_neighbours(self.data, self.data, k, exclude_self=True)

    def query(self, queries: np.ndarray, k: int = 10, epsilon: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        queries = np.asarray(queries, dtype=np.float32)
        norms = np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
        return cosine_neighbours(queries / norms, self.data, k)
