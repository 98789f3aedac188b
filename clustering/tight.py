"""Tight groups: near-identical messages that HDBSCAN leaves as noise when they stand alone.

HDBSCAN never reports its root as a cluster. When a window holds one dense group among
diffuse messages that form no group of their own, the diffuse ones fall out of the root one
by one and the group is what is left of the root, not a cluster: the whole window, the group
included, comes out as noise (30–60 variants of "приложение вылетает при оплате" among varied
requests; a window of one text sent again and again is the extreme case). When HDBSCAN
finds nothing, `tight_groups` looks for such groups in the vector space instead.

A row is *tight* when its ``min_size − 1``-th nearest neighbour lies within ``tightness`` ×
the window's typical distance to that neighbour (its upper quartile over the rows, so a group
of up to three quarters of the window does not set the scale itself), or within 1e-4 (the
same text). Tight rows within that radius of each other are linked, rows within it of a
tight row join its group (as DBSCAN's border points), and each group of at least ``min_size``
rows is a cluster. Diffuse messages are about as far from their neighbours as the typical
row, so none of them is tight: they stay noise.
"""

from __future__ import annotations

import numpy as np

from core.neighbours import cosine_neighbours

TIGHTNESS = 0.5
SAME_TEXT = 1e-4  # cosine distance of rows that are the same text (duplicate rows, to rounding)


def tight_groups(vectors: np.ndarray, min_size: int, tightness: float = TIGHTNESS) -> np.ndarray:
    """Cluster labels 0 … k−1 for the groups of at least ``min_size`` unit rows much closer to each
    other than the window's rows are to theirs; every other row −1."""
    from scipy import sparse
    from scipy.sparse.csgraph import connected_components

    vectors = np.asarray(vectors, dtype=np.float32)
    count = len(vectors)
    min_size = max(int(min_size), 2)
    if count < min_size:
        return np.full(count, -1, dtype=np.int64)
    neighbours, distances = cosine_neighbours(vectors, vectors, min_size, exclude_self=True)  # column 0: itself
    reach = distances[:, min_size - 1]
    radius = max(tightness * float(np.quantile(reach, 0.75)), SAME_TEXT)
    tight = reach <= radius
    close = (distances <= radius) & tight[neighbours]  # within the radius of a tight row
    linked = close & tight[:, None]
    rows = np.broadcast_to(np.arange(count)[:, None], neighbours.shape)
    # copies of one text are one group, however the ties among them were broken
    _, first, same = np.unique(np.round(vectors, 4), axis=0, return_index=True, return_inverse=True)
    copy_of = first[np.asarray(same).reshape(-1)]
    edges = (np.concatenate([rows[linked], np.arange(count)]), np.concatenate([neighbours[linked], copy_of]))
    graph = sparse.coo_matrix((np.ones(len(edges[0]), dtype=np.float32), edges), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    group = np.where(tight, component, -1)
    border = ~tight & close.any(axis=1)  # joins the group of its nearest tight row, as DBSCAN's border points
    nearest = neighbours[np.arange(count), close.argmax(axis=1)]
    group[border] = component[nearest[border]]
    sizes = np.bincount(group[group >= 0], minlength=count)
    keep = (group >= 0) & (sizes[np.maximum(group, 0)] >= min_size)
    return contiguous(np.where(keep, group, -1))


def contiguous(labels: np.ndarray) -> np.ndarray:
    """Cluster labels renumbered 0 … k−1 in order of first appearance; −1 stays."""
    labels = np.asarray(labels, dtype=np.int64)
    out = np.full(len(labels), -1, dtype=np.int64)
    seen: dict[int, int] = {}
    for row, label in enumerate(labels.tolist()):
        if label >= 0:
            out[row] = seen.setdefault(label, len(seen))
    return out
