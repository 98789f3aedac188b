"""Refining HDBSCAN's clusters in the reduced space, where they were found.

HDBSCAN leaves its density valleys as noise and draws borders by the tree it cuts, not
by which cluster is nearest. A few k-means steps in the reduced space, started from
HDBSCAN's clusters (`refine_in_reduced_space`: their number and identity come from
HDBSCAN, never from a chosen k), move each fitted point, noise included, to the nearest
cluster mean there. The reduced space separates clusters far better than the raw cosine
scale, so this beats assigning noise by the centroid rule in the original space. A run
that continues a previous one starts from the previous clusters instead (`seeded_start`).

k-means from the best of a few k-means++ starts with HDBSCAN's number of clusters
(`kmeans_in_reduced_space`, ``ClusterPipeline(refine_restarts=4)``) scores higher on
banking77, whose intents are all about the same size, but splits large clusters and merges
small ones where sizes are skewed, as in real traffic (synthetic 100k ARI 0.956 → 0.857,
rutube_support NMI 0.477 → 0.471), so it is not the default; see benchmarks/cluster_quality.py.
"""

from __future__ import annotations

import numpy as np

CHUNK = 16384


def refine_in_reduced_space(points: np.ndarray, labels: np.ndarray, steps: int = 5) -> np.ndarray:
    """Labels after ``steps`` rounds of "join the nearest cluster mean" in ``points``,
    starting from ``labels`` (−1 = noise, which takes part). Clusters that lose every
    member disappear; the rest are renumbered 0 … k−1 in their original order."""
    points = np.asarray(points, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64).copy()
    if steps <= 0 or not (labels >= 0).any():
        return labels
    for _ in range(steps):
        means = _means(points, labels)
        updated = _nearest(points, means)
        if np.array_equal(updated, labels):
            break
        labels = updated
    return _renumber(labels)


def kmeans_in_reduced_space(points: np.ndarray, n_clusters: int, restarts: int = 4,
                            random_state: int = 42) -> np.ndarray:
    """k-means on ``points`` with HDBSCAN's number of clusters, the best of ``restarts``
    k-means++ starts; labels 0 … k−1 (a cluster k-means left empty is dropped)."""
    from sklearn.cluster import KMeans

    points = np.asarray(points, dtype=np.float64)
    n_clusters = min(n_clusters, len(points))
    found = KMeans(n_clusters, n_init=restarts, random_state=random_state).fit_predict(points)
    return _renumber(np.asarray(found, dtype=np.int64))


def seeded_start(found: np.ndarray, seeds: np.ndarray, new_share: float = 0.5) -> np.ndarray:
    """Starting labels for the refinement when a run continues a previous one.

    ``seeds`` holds each point's cluster in the previous run (0 … P−1, −1 = none: new to the
    window, or noise then); ``found`` HDBSCAN's clusters now. A point starts in its previous
    cluster, unless it lies in a cluster of HDBSCAN's of which more than ``new_share`` of the
    members had none: such a group is new and starts as found (numbered P, P+1, …). The
    refinement then moves borders where the data moved, and new groups appear, but a
    previous cluster is neither merged nor split by the randomness of one more UMAP fit.
    """
    found = np.asarray(found, dtype=np.int64)
    seeds = np.asarray(seeds, dtype=np.int64)
    start = seeds.copy()
    previous = int(seeds.max()) + 1 if (seeds >= 0).any() else 0
    count = int(found.max()) + 1 if (found >= 0).any() else 0
    clustered = found >= 0
    members = np.bincount(found[clustered], minlength=count)
    unseeded = np.bincount(found[clustered & (seeds < 0)], minlength=count)
    new = np.flatnonzero(unseeded > new_share * np.maximum(members, 1))
    position = np.full(count, -1, dtype=np.int64)
    position[new] = previous + np.arange(len(new))
    in_new = clustered & (position[np.maximum(found, 0)] >= 0)
    start[in_new] = position[found[in_new]]
    return start


def _means(points: np.ndarray, labels: np.ndarray) -> np.ndarray:
    count = int(labels.max()) + 1
    member = labels >= 0
    sums = np.zeros((count, points.shape[1]))
    np.add.at(sums, labels[member], points[member])
    sizes = np.bincount(labels[member], minlength=count)
    means = sums / np.maximum(sizes, 1)[:, None]
    means[sizes == 0] = np.inf  # an emptied cluster attracts nobody
    return means


def _nearest(points: np.ndarray, means: np.ndarray) -> np.ndarray:
    out = np.empty(len(points), dtype=np.int64)
    finite = np.isfinite(means).all(axis=1)
    alive = np.where(finite)[0]
    centre = means[alive]
    squared = (centre**2).sum(axis=1)
    for start in range(0, len(points), CHUNK):
        block = points[start : start + CHUNK]
        distance = squared[None, :] - 2.0 * block @ centre.T  # + |x|², the same for every cluster
        out[start : start + CHUNK] = alive[distance.argmin(axis=1)]
    return out


def _renumber(labels: np.ndarray) -> np.ndarray:
    used = np.unique(labels[labels >= 0])
    mapping = np.full(int(labels.max()) + 1 if len(used) else 0, -1, dtype=np.int64)
    mapping[used] = np.arange(len(used))
    return np.where(labels >= 0, mapping[np.maximum(labels, 0)], -1)
