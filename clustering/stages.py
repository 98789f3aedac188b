"""The swappable stages: reducers (fit/transform) and clusterers (fit → labels_).

Parameters are stored in ``__init__`` under their own names; all work happens in ``fit``.
The do-nothing stand-ins (`NoReduction`, `GivenLabels`) make a stage skippable in small
windows and tests.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from clustering.neighbours import ExactCosineIndex

MIN_POINTS = 3  # fewer have no layout to learn: two centred points are opposite, and UMAP drops the edge between them


class UmapReducer:
    """UMAP with the cosine metric to a few dimensions; deterministic with ``random_state``.

    With ``centre`` the vectors first lose their common direction (the mean of the fitted
    vectors, kept as ``mean_``) and are scaled back to unit length. Sentence encoders put
    every text in a narrow cone (with e5, unrelated texts reach a cosine of about 0.80), so
    neighbours are chosen more by what sets texts apart once the shared part is gone.

    Up to ``exact_neighbours_max`` vectors, the neighbour graph is exact, from blocked matrix
    products (`clustering.neighbours`), instead of UMAP's own search; above it, UMAP's
    NNDescent. ``n_epochs`` is the number of layout epochs: 100 at every size. UMAP's own
    choice is 500 under 10,000 points and 200 above; with the spelling view in the input, more
    epochs cost time for no gain beyond seed noise (docs/clustering.md, "Layout epochs"); None
    means UMAP's choice. Fewer than three vectors are passed through, centred.
    """

    def __init__(self, n_components: int = 5, n_neighbors: int = 15, min_dist: float = 0.0,
                 random_state: int = 42, centre: bool = True, n_epochs: int | None = 100,
                 exact_neighbours_max: int = 30_000) -> None:
        self.n_components = n_components
        self.n_neighbors = n_neighbors
        self.min_dist = min_dist
        self.random_state = random_state
        self.centre = centre
        self.n_epochs = n_epochs
        self.exact_neighbours_max = exact_neighbours_max

    def fit(self, vectors: np.ndarray) -> UmapReducer:
        self.embedding_ = self._fit(vectors)
        return self

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        self.embedding_ = self._fit(vectors)
        return self.embedding_

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        centred = self._centred(np.asarray(vectors, dtype=np.float32))
        return centred if self.model_ is None else self.model_.transform(centred)

    def _centred(self, vectors: np.ndarray) -> np.ndarray:
        if self.mean_ is None:
            return vectors
        shifted = vectors - self.mean_
        return shifted / np.maximum(np.linalg.norm(shifted, axis=1, keepdims=True), 1e-12)

    def _fit(self, vectors: np.ndarray) -> np.ndarray:
        import warnings

        import umap

        vectors = np.asarray(vectors, dtype=np.float32)
        self.mean_ = vectors.mean(axis=0) if self.centre and len(vectors) > 1 else None
        vectors = self._centred(vectors)
        count = len(vectors)
        if count < MIN_POINTS:  # passed through centred (UMAP would fail on an empty neighbour graph)
            self.model_ = None
            return vectors
        components = min(self.n_components, max(1, count - 2))
        neighbours = min(self.n_neighbors, max(2, count - 1))
        precomputed = (None, None, None)
        if count <= self.exact_neighbours_max:
            index = ExactCosineIndex(vectors)
            precomputed = (*index.neighbour_graph(neighbours), index)
        self.model_ = umap.UMAP(
            n_components=components, n_neighbors=neighbours, min_dist=self.min_dist, metric="cosine",
            random_state=self.random_state, low_memory=True, n_jobs=1, n_epochs=self.n_epochs,
            init="spectral" if count > components + 1 else "random", precomputed_knn=precomputed,
        )
        with warnings.catch_warnings(), seeded_eigen_restarts(self.random_state):
            # UMAP warns that an index other than its own may not transform; this one does
            warnings.filterwarnings("ignore", message="precomputed_knn", category=UserWarning)
            return np.asarray(self.model_.fit_transform(vectors), dtype=np.float32)


_EIGSH_PATCH = threading.Lock()


@contextmanager
def seeded_eigen_restarts(seed: int) -> Iterator[None]:
    """Within this block SciPy's ``eigsh`` draws its random vectors from ``seed``.

    UMAP's spectral start calls ``eigsh`` with a fixed start vector but no generator. ARPACK
    needs a random vector whenever the start spans an invariant subspace, which happens on every
    part of the neighbour graph that is regular (a group of identical or near-identical texts
    forms a complete one), and SciPy (≥ 1.15) then draws it from fresh OS entropy: the same
    input gave another layout, and other clusters, in every run. One fit at a time patches it."""
    import inspect

    import scipy.sparse.linalg as linalg

    with _EIGSH_PATCH:
        original = linalg.eigsh
        if "rng" not in inspect.signature(original).parameters:  # older SciPy seeds ARPACK itself
            yield
            return

        def eigsh(*args: Any, **kwargs: Any) -> Any:
            kwargs.setdefault("rng", np.random.default_rng(seed))
            return original(*args, **kwargs)

        linalg.eigsh = eigsh
        try:
            yield
        finally:
            linalg.eigsh = original


class NoReduction:
    """Passes the vectors through unchanged."""

    def fit(self, vectors: np.ndarray) -> NoReduction:
        return self

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        return vectors

    def transform(self, vectors: np.ndarray) -> np.ndarray:
        return vectors


class HdbscanClusterer:
    """HDBSCAN; ``labels_`` holds one cluster index per point, −1 for noise."""

    def __init__(self, min_cluster_size: int = 10, min_samples: int | None = 5,
                 cluster_selection_method: str = "eom", cluster_selection_epsilon: float = 0.0) -> None:
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.cluster_selection_method = cluster_selection_method
        self.cluster_selection_epsilon = cluster_selection_epsilon

    def fit(self, points: np.ndarray) -> HdbscanClusterer:
        if len(points) < max(self.min_cluster_size, 2):
            self.labels_ = np.full(len(points), -1, dtype=np.int64)
            return self
        import hdbscan

        model = hdbscan.HDBSCAN(
            min_cluster_size=self.min_cluster_size, min_samples=self.min_samples,
            cluster_selection_method=self.cluster_selection_method,
            cluster_selection_epsilon=self.cluster_selection_epsilon, core_dist_n_jobs=1,
        )
        self.labels_ = np.asarray(model.fit_predict(points), dtype=np.int64)
        return self


class GivenLabels:
    """Uses labels given in advance (known groups, tests); −1 marks noise."""

    def __init__(self, labels: np.ndarray) -> None:
        self.labels = labels

    def fit(self, points: np.ndarray) -> GivenLabels:
        labels = np.asarray(self.labels, dtype=np.int64)
        if len(labels) != len(points):
            raise ValueError(f"expected {len(points)} labels, got {len(labels)}")
        self.labels_ = labels
        return self
