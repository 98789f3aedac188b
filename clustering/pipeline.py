"""The clustering pipeline: reduce → cluster → centroid rule → keywords, representatives, names.

Fitting runs on at most ``max_fit`` messages (a random sample above that, or the rows the
caller picks); every other message, and every noise point, then joins the nearest
centroid when it is similar enough (see `clustering.centroids`). New messages between
runs go through `predict`, the same rule.

    pipeline = ClusterPipeline(min_cluster_size=10).fit(vectors, texts)
    pipeline.labels_, pipeline.names_[0], pipeline.predict(new_vectors)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from clustering.centroids import CentroidModel, calibrate_threshold, centroids_of
from clustering.keywords import ClassKeywords, short_name
from clustering.stages import HdbscanClusterer, UmapReducer


class ClusterPipeline:
    """Stages are passed in (any object with fit/transform, fit/labels_, fit/keywords_); None
    means the default: UMAP (5-d, cosine) → HDBSCAN (``min_cluster_size``) → c-TF-IDF."""

    def __init__(self, reducer=None, clusterer=None, keywords=None, *, min_cluster_size: int = 10,
                 min_samples: int | None = 5, max_fit: int = 50_000, outlier_quantile: float = 0.05,
                 representatives: int = 5, random_state: int = 42) -> None:
        self.reducer = reducer
        self.clusterer = clusterer
        self.keywords = keywords
        self.min_cluster_size = min_cluster_size
        self.min_samples = min_samples
        self.max_fit = max_fit
        self.outlier_quantile = outlier_quantile
        self.representatives = representatives
        self.random_state = random_state

    def fit(self, vectors: np.ndarray, texts: Sequence[str | None] | None = None,
            sample: np.ndarray | None = None) -> ClusterPipeline:
        """Cluster ``vectors`` (unit rows). ``texts`` (None where unknown) feed keywords and
        representatives; ``sample`` chooses the rows to fit on instead of a random sample."""
        vectors = np.asarray(vectors, dtype=np.float32)
        count = len(vectors)
        texts = texts if texts is not None else [None] * count
        if len(texts) != count:
            raise ValueError(f"expected {count} texts (one per vector), got {len(texts)}")
        rows = self._fit_rows(count, sample)
        self.reducer_ = self.reducer if self.reducer is not None else UmapReducer(random_state=self.random_state)
        self.clusterer_ = self.clusterer if self.clusterer is not None else HdbscanClusterer(
            self.min_cluster_size, self.min_samples)
        fitted = _contiguous(self.clusterer_.fit(self.reducer_.fit_transform(vectors[rows])).labels_)
        self.n_clusters_ = int(fitted.max()) + 1 if len(fitted) else 0
        labels = np.full(count, -1, dtype=np.int64)
        labels[rows] = fitted
        self.fit_rows_ = rows
        self.noise_before_assignment_ = float((fitted < 0).mean()) if len(fitted) else 0.0

        centroids = centroids_of(vectors, labels, self.n_clusters_)
        self.threshold_ = calibrate_threshold(vectors, labels, centroids, self.outlier_quantile)
        unassigned = np.where(labels < 0)[0]
        labels[unassigned] = CentroidModel(centroids, self.threshold_).nearest(vectors[unassigned])[0]
        self.labels_ = labels
        self.centroid_model_ = CentroidModel(centroids_of(vectors, labels, self.n_clusters_), self.threshold_)
        self.sizes_ = np.bincount(labels[labels >= 0], minlength=self.n_clusters_)
        self.noise_share_ = float((labels < 0).mean()) if count else 0.0
        self._describe(vectors, texts)
        return self

    def predict(self, vectors: np.ndarray) -> np.ndarray:
        """Cluster index of each vector by the centroid rule (−1 = none close enough)."""
        return self.centroid_model_.nearest(np.asarray(vectors, dtype=np.float32))[0]

    @property
    def centroids_(self) -> np.ndarray:
        return self.centroid_model_.centroids

    def _fit_rows(self, count: int, sample: np.ndarray | None) -> np.ndarray:
        if sample is not None:
            return np.unique(np.asarray(sample, dtype=np.int64))
        if count <= self.max_fit:
            return np.arange(count)
        rng = np.random.default_rng(self.random_state)
        return np.sort(rng.choice(count, self.max_fit, replace=False))

    def _describe(self, vectors: np.ndarray, texts: Sequence[str | None]) -> None:
        keywords = self.keywords if self.keywords is not None else ClassKeywords(random_state=self.random_state)
        self.keywords_ = keywords.fit(texts, self.labels_).keywords_
        has_text = np.asarray([bool(t) for t in texts])
        self.representatives_: dict[int, list[int]] = {}
        self.names_: dict[int, str] = {}
        for cluster in range(self.n_clusters_):
            members = np.where((self.labels_ == cluster) & has_text)[0]
            closeness = vectors[members] @ self.centroids_[cluster]
            nearest = np.argsort(-closeness, kind="stable")[: self.representatives]
            self.representatives_[cluster] = members[nearest].tolist()
            words = self.keywords_.get(cluster, [])
            self.names_[cluster] = short_name(words) if words else f"cluster {cluster}"


def _contiguous(labels: np.ndarray) -> np.ndarray:
    """Cluster labels renumbered 0 … k−1 in order of first appearance; −1 stays."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    seen: dict[int, int] = {}
    for row, label in enumerate(labels.tolist()):
        if label >= 0:
            out[row] = seen.setdefault(label, len(seen))
    return out
