"""The clustering pipeline: reduce → cluster → assign outliers → describe each cluster.

Fitting runs on at most ``max_fit`` messages (a random sample above that); every other
message, and every noise point, joins the nearest cluster centroid when its cosine
similarity reaches the threshold. The threshold is derived from the data (the
``outlier_quantile`` of member-to-centroid similarities), never fixed, because cosine
scales differ between models. New messages between runs use the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from clustering.keywords import ctfidf_keywords
from clustering.stages import HdbscanClusterer, UmapReducer


@dataclass
class Clustering:
    labels: np.ndarray  # cluster index per message, −1 = noise
    centroids: np.ndarray  # unit vectors, one row per cluster
    threshold: float  # similarity needed to join a cluster
    keywords: dict[int, list[str]] = field(default_factory=dict)
    representatives: dict[int, list[int]] = field(default_factory=dict)  # message indices nearest the centroid
    names: dict[int, str] = field(default_factory=dict)
    noise_before_assignment: float = 0.0

    @property
    def noise_share(self) -> float:
        return float((self.labels < 0).mean()) if len(self.labels) else 0.0

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cluster index or −1, similarity) of each vector by the centroid rule."""
        if not len(self.centroids):
            return np.full(len(vectors), -1), np.zeros(len(vectors))
        similarity = vectors @ self.centroids.T
        best = similarity.argmax(axis=1)
        score = similarity[np.arange(len(vectors)), best]
        return np.where(score >= self.threshold, best, -1), score


def centroids_of(vectors: np.ndarray, labels: np.ndarray, clusters: int) -> np.ndarray:
    rows = np.zeros((clusters, vectors.shape[1]), dtype=np.float32)
    for cluster in range(clusters):
        members = vectors[labels == cluster]
        if len(members):
            mean = members.mean(axis=0)
            rows[cluster] = mean / max(np.linalg.norm(mean), 1e-12)
    return rows


class ClusterPipeline:
    def __init__(self, reducer=None, clusterer=None, *, max_fit: int = 50_000, outlier_quantile: float = 0.05,
                 representatives: int = 5, random_state: int = 42) -> None:
        self.reducer = reducer or UmapReducer(random_state=random_state)
        self.clusterer = clusterer or HdbscanClusterer()
        self.max_fit = max_fit
        self.outlier_quantile = outlier_quantile
        self.representatives = representatives
        self.random_state = random_state

    def fit(self, vectors: np.ndarray, texts: Sequence[str]) -> Clustering:
        count = len(vectors)
        fit_rows = np.arange(count)
        if count > self.max_fit:
            fit_rows = np.sort(np.random.default_rng(self.random_state).choice(count, self.max_fit, replace=False))
        fit_labels = self.clusterer.fit_predict(self.reducer.fit_transform(vectors[fit_rows]))
        clusters = int(fit_labels.max()) + 1 if len(fit_labels) else 0
        labels = np.full(count, -1)
        labels[fit_rows] = fit_labels
        noise_before = float((fit_labels < 0).mean()) if len(fit_labels) else 0.0
        centroids = centroids_of(vectors, labels, clusters)
        member = labels >= 0
        own = (vectors[member] * centroids[labels[member]]).sum(axis=1) if member.any() else np.zeros(0)
        threshold = float(np.quantile(own, self.outlier_quantile)) if len(own) else 1.0
        result = Clustering(labels, centroids, threshold, noise_before_assignment=noise_before)
        unassigned = np.where(labels < 0)[0]
        if len(unassigned):
            nearest, _ = result.nearest(vectors[unassigned])
            labels[unassigned] = nearest
        result.centroids = centroids_of(vectors, labels, clusters)
        result.keywords = ctfidf_keywords(texts, labels)
        for cluster in range(clusters):
            members = np.where(labels == cluster)[0]
            closeness = vectors[members] @ result.centroids[cluster]
            result.representatives[cluster] = members[np.argsort(-closeness)[: self.representatives]].tolist()
            words = result.keywords.get(cluster, [])
            result.names[cluster] = " / ".join(words[:3]) if words else f"cluster {cluster}"
        return result
