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
    (a merged into b, then b into c: a ends up in c). A merge whose target is not among
    ``cluster_ids`` (gone in a later run) no longer applies."""
    present = set(cluster_ids)
    targets: dict[str, str] = {}
    for cluster_id in present:
        seen, current = {cluster_id}, cluster_id
        while (into := (decisions.get(current) or {}).get("merged_into")) and into in present and into not in seen:
            seen.add(into)
            current = into
        if current != cluster_id:
            targets[cluster_id] = current
    return targets
