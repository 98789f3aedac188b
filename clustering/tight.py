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

from collections.abc import Hashable, Sequence

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


def copies_together(keys: Sequence[Hashable], labels: np.ndarray) -> np.ndarray:
    """``labels`` where rows with the same key (one text sent again and again: the same text, so the
    same vector) share one cluster: the one most of them are in (the lowest of a tie), when any of
    them is in one. The layout may spread the copies of a text over a region of their own, which
    HDBSCAN and the refinement can cut into several clusters (1,000 copies gave 14). Clusters left
    without members are dropped; the rest keep their order, numbered 0 … k−1. One pass over the
    keys: no copy of the vectors, whatever the window's size."""
    labels = np.asarray(labels, dtype=np.int64)
    if not len(labels) or not (labels >= 0).any():
        return labels
    first: dict[Hashable, int] = {}
    copy = np.fromiter((first.setdefault(key, len(first)) for key in keys), dtype=np.int64, count=len(labels))
    if len(first) == len(labels):
        return labels
    clustered = np.flatnonzero(labels >= 0)
    width = int(labels.max()) + 1
    pairs, counts = np.unique(copy[clustered] * width + labels[clustered], return_counts=True)
    group, label = np.divmod(pairs, width)
    order = np.lexsort((label, -counts, group))  # per copy group: most members first, then the lowest label
    first = order[np.r_[True, group[order][1:] != group[order][:-1]]]
    chosen = np.full(int(copy.max()) + 1, -1, dtype=np.int64)
    chosen[group[first]] = label[first]
    together = np.where(chosen[copy] >= 0, chosen[copy], labels)
    used = np.unique(together[together >= 0])
    renumber = np.full(width, -1, dtype=np.int64)
    renumber[used] = np.arange(len(used))
    return np.where(together >= 0, renumber[np.maximum(together, 0)], -1)
