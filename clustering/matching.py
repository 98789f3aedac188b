"""Stable cluster ids between runs: match each new cluster to one of the previous run's.

For messages present in both runs, the overlap of new cluster j with previous cluster i
is the Jaccard index of their shared members. Pairs are taken greedily, best first,
one to one: a pair matches when its overlap reaches ``min_overlap``, or, when the two
share no messages at all (the window moved on), when the new centroid is at least as
similar to the old one as the centroid rule asks of a message (``centroid_threshold``).
A matched cluster keeps the previous id; any other gets a new one from ``mint``.

A new cluster that took at least ``flow_share`` of each of two or more previous clusters
is a merge; a previous cluster that gave at least ``flow_share`` of its members to each
of two or more new clusters is a split.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np


@dataclass
class Matching:
    ids: list[str]  # id of each new cluster
    matched: dict[str, float] = field(default_factory=dict)  # kept id → overlap (or centroid similarity)
    minted: list[str] = field(default_factory=list)
    merges: list[dict] = field(default_factory=list)  # {"into": id, "from": [previous ids]}
    splits: list[dict] = field(default_factory=list)  # {"from": previous id, "into": [ids]}
    gone: list[str] = field(default_factory=list)  # previous ids with no successor


def match_clusters(
    previous_ids: Sequence[str],
    previous_centroids: np.ndarray,
    new_centroids: np.ndarray,
    previous_labels: np.ndarray,
    new_labels: np.ndarray,
    mint: Callable[[], str],
    *,
    centroid_threshold: float,
    min_overlap: float = 0.3,
    flow_share: float = 0.2,
) -> Matching:
    """``previous_labels`` / ``new_labels``: per message in both runs, the index of its cluster
    in ``previous_ids`` / the new clusters (−1 = none)."""
    n_prev, n_new = len(previous_ids), len(new_centroids)
    flows = _contingency(previous_labels, new_labels, n_prev, n_new)
    prev_sizes, new_sizes = flows.sum(axis=1), flows.sum(axis=0)
    union = prev_sizes[:, None] + new_sizes[None, :] - flows
    overlap = np.divide(flows, union, out=np.zeros_like(flows, dtype=np.float64), where=union > 0)
    similarity = (np.asarray(previous_centroids, dtype=np.float32) @ np.asarray(new_centroids, dtype=np.float32).T
                  if n_prev and n_new else np.zeros((n_prev, n_new)))
    disjoint = (prev_sizes[:, None] == 0) | (new_sizes[None, :] == 0)
    eligible = (overlap >= min_overlap) | (disjoint & (similarity >= centroid_threshold))
    # overlap decides first; centroid similarity orders ties and disjoint pairs
    score = np.where(eligible, overlap + 1e-3 * similarity, -np.inf)

    ids: list[str | None] = [None] * n_new
    result = Matching(ids=[])
    taken_prev: set[int] = set()
    for flat in np.argsort(-score, axis=None, kind="stable"):
        i, j = divmod(int(flat), n_new) if n_new else (0, 0)
        if not np.isfinite(score[i, j]):
            break
        if i in taken_prev or ids[j] is not None:
            continue
        taken_prev.add(i)
        ids[j] = previous_ids[i]
        result.matched[previous_ids[i]] = round(float(overlap[i, j] if overlap[i, j] > 0 else similarity[i, j]), 4)
    for j in range(n_new):
        if ids[j] is None:
            minted = mint()
            ids[j] = minted
            result.minted.append(minted)
    result.ids = [str(i) for i in ids]
    result.gone = [previous_ids[i] for i in range(n_prev) if i not in taken_prev]

    share_of_prev = np.divide(flows, prev_sizes[:, None], out=np.zeros_like(flows, dtype=np.float64),
                              where=prev_sizes[:, None] > 0)
    strong = share_of_prev >= flow_share
    for j in range(n_new):
        sources = np.where(strong[:, j])[0]
        if len(sources) >= 2:
            result.merges.append({"into": result.ids[j], "from": [previous_ids[i] for i in sources]})
    for i in range(n_prev):
        targets = np.where(strong[i])[0]
        if len(targets) >= 2:
            result.splits.append({"from": previous_ids[i], "into": [result.ids[j] for j in targets]})
    return result


def stability(previous: Sequence[str | None], current: Sequence[str | None]) -> float | None:
    """Share of messages in both runs, clustered in either, whose cluster id is unchanged
    (a message that lost or gained a cluster counts as changed); None when there are none."""
    both = [(a, b) for a, b in zip(previous, current, strict=True) if a is not None or b is not None]
    if not both:
        return None
    return sum(a == b for a, b in both) / len(both)


def _contingency(previous: np.ndarray, new: np.ndarray, n_prev: int, n_new: int) -> np.ndarray:
    previous, new = np.asarray(previous, dtype=np.int64), np.asarray(new, dtype=np.int64)
    keep = (previous >= 0) & (new >= 0)
    table = np.zeros((n_prev, n_new), dtype=np.int64)
    np.add.at(table, (previous[keep], new[keep]), 1)
    return table


def keep_previous(vectors: np.ndarray, labels: np.ndarray, previous: np.ndarray, centroids: np.ndarray,
                  threshold: float, stickiness: float = 0.25) -> np.ndarray:
    """Labels where a message stays in its previous cluster when that cluster lives on and is
    nearly as close as the new choice.

    ``previous`` holds, per message, the index of its previous cluster among the new ones
    (its id was kept), or −1. The margin is ``stickiness`` × (1 − threshold): a share of the
    distance between the join threshold and a perfect match, so it follows the model's
    cosine scale. Boundary messages then stop flipping between neighbouring clusters from
    one run to the next.
    """
    labels = np.asarray(labels, dtype=np.int64).copy()
    candidates = np.where((previous >= 0) & (previous != labels))[0]
    if not len(candidates) or stickiness <= 0:
        return labels
    margin = stickiness * (1.0 - threshold)
    rows = vectors[candidates]
    to_previous = np.einsum("ij,ij->i", rows, centroids[previous[candidates]])
    current = labels[candidates]
    to_current = np.where(current >= 0, np.einsum("ij,ij->i", rows, centroids[np.maximum(current, 0)]), -np.inf)
    stay = (to_previous >= threshold) & (to_previous >= to_current - margin)
    labels[candidates[stay]] = previous[candidates[stay]]
    return labels
