"""The centroid rule: a message joins the nearest cluster centroid when its cosine
similarity reaches the threshold, and is noise otherwise.

The same rule assigns HDBSCAN's noise points, every message outside the fitted sample,
and each new message between runs, so all three agree. The threshold is derived from the
data, never fixed: cosine scales differ between models (with e5, unrelated texts already
reach about 0.80), so it is a low quantile of the members' own similarity to their
centroid.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

CHUNK = 8192
SUM_BLOCK = 131_072


def cluster_sums(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Sum of the rows of each cluster 0 … n_clusters−1 (float64), −1 rows left out.

    A sparse one-hot matrix times each block of rows: linear in the rows, no copy of the
    vectors (``np.add.at`` takes seconds per 100,000 rows)."""
    from scipy import sparse

    vectors = np.asarray(vectors)
    labels = np.asarray(labels, dtype=np.int64)
    sums = np.zeros((n_clusters, vectors.shape[1]), dtype=np.float64)
    for start in range(0, len(vectors), SUM_BLOCK):
        block = labels[start : start + SUM_BLOCK]
        rows = np.flatnonzero(block >= 0)
        if not len(rows):
            continue
        one_hot = sparse.csr_matrix((np.ones(len(rows), dtype=vectors.dtype), (block[rows], rows)),
                                    shape=(n_clusters, len(block)))
        sums += one_hot @ vectors[start : start + len(block)]
    return sums


def centroids_of(vectors: np.ndarray, labels: np.ndarray, n_clusters: int) -> np.ndarray:
    """Unit-length mean vector of each cluster 0 … n_clusters−1 (zeros for an empty one)."""
    sums = cluster_sums(vectors, labels, n_clusters)
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return (sums / np.maximum(norms, 1e-12)).astype(np.float32)


def calibrate_threshold(vectors: np.ndarray, labels: np.ndarray, centroids: np.ndarray,
                        quantile: float = 0.05) -> float:
    """The ``quantile`` of cluster members' similarity to their own centroid."""
    member = np.where(labels >= 0)[0]
    if not len(member):
        return 1.0
    own = np.einsum("ij,ij->i", vectors[member], centroids[labels[member]])
    return float(np.quantile(own, quantile))


class CentroidModel:
    """Cluster centroids (unit rows) and the similarity a vector needs to join one."""

    def __init__(self, centroids: np.ndarray, threshold: float) -> None:
        self.centroids = np.asarray(centroids, dtype=np.float32)
        self.threshold = float(threshold)

    def __len__(self) -> int:
        return len(self.centroids)

    def nearest(self, vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(cluster index, or −1 below the threshold; similarity to the nearest centroid) per vector."""
        count = len(vectors)
        labels = np.full(count, -1, dtype=np.int64)
        scores = np.zeros(count, dtype=np.float32)
        if not len(self.centroids) or not count:
            return labels, scores
        for start in range(0, count, CHUNK):
            similarity = np.asarray(vectors[start : start + CHUNK], dtype=np.float32) @ self.centroids.T
            best = similarity.argmax(axis=1)
            score = similarity[np.arange(len(best)), best]
            labels[start : start + CHUNK] = np.where(score >= self.threshold, best, -1)
            scores[start : start + CHUNK] = score
        return labels, scores

    def save(self, folder: Path, extra: dict | None = None) -> Path:
        """Write ``centroids.npy`` and ``manifest.json`` (threshold and any extra fields)."""
        folder.mkdir(parents=True, exist_ok=True)
        np.save(folder / "centroids.npy", self.centroids, allow_pickle=False)
        manifest = {"kind": "cluster-centroids", "threshold": self.threshold,
                    "n_clusters": len(self.centroids), "dimension": int(self.centroids.shape[1]), **(extra or {})}
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path) -> CentroidModel:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        return cls(np.load(folder / "centroids.npy", allow_pickle=False), manifest["threshold"])
