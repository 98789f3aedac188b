"""The swappable stages of the clustering pipeline (sklearn-style: parameters in __init__, work in fit)."""

from __future__ import annotations

import numpy as np


class UmapReducer:
    """UMAP to a few dimensions (cosine), deterministic with ``random_state``."""

    def __init__(self, n_components: int = 5, n_neighbors: int = 15, min_dist: float = 0.0,
                 random_state: int = 42) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.random_state = random_state

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        import umap

        neighbours = min(self.n_neighbors, max(2, len(vectors) - 1))
        self.model_ = umap.UMAP(n_components=self.n_components, n_neighbors=neighbours, min_dist=self.min_dist,
                                metric="cosine", random_state=self.random_state, low_memory=True)
        return self.model_.fit_transform(vectors)


class NoReduction:
    """Clusters the vectors as they are (small windows, tests)."""

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        return vectors


class HdbscanClusterer:
    """HDBSCAN labels (−1 = noise)."""

    def __init__(self, min_cluster_size: int = 10, min_samples: int | None = 5,
                 selection_method: str = "eom") -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.selection_method = selection_method

    def fit_predict(self, points: np.ndarray) -> np.ndarray:
        import hdbscan

        model = hdbscan.HDBSCAN(min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
                                cluster_selection_method=self.selection_method, core_dist_n_jobs=1)
        return model.fit_predict(points)
