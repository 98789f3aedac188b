"""The analysts' decisions on clusters as the jobs and reports apply them.

Decisions are kept by cluster id (ids carry over from run to run): a name, noise, a merge
into another cluster (``merged_into``), or a topic with its owner (``decision`` "mapped"
or "promoted"). They are written by the workbench; this module only reads their effect.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

Decisions = Mapping[str, Mapping[str, Any]]


def merge_targets(cluster_ids: Iterable[str], decisions: Decisions) -> dict[str, str]:
    """``{cluster: the cluster it ends up in}`` for the clusters merged away, following chains of merges
    (a merged into b, then b into c: a ends up in c, even when b is gone in a later run). The
    last cluster of the chain that is among ``cluster_ids`` is the target; when none is (all
    gone in a later run), the merge no longer applies, and neither do merges in a cycle (only a
    hand edit of the decisions can make one)."""
    present = set(cluster_ids)
    targets: dict[str, str] = {}
    for cluster_id in present:
        seen, current, landing = {cluster_id}, cluster_id, cluster_id
        while (into := (decisions.get(current) or {}).get("merged_into")) and into not in seen:
            seen.add(into)
            current = into
            if into in present:
                landing = into
        if landing != cluster_id:
            targets[cluster_id] = landing
    return {cluster_id: target for cluster_id, target in targets.items() if target not in targets}  # no cycles
