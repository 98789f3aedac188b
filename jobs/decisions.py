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


def apply_decisions(payloads: dict[str, dict[str, Any]], decisions: dict[str, dict[str, Any]]
                    ) -> list[dict[str, Any]]:
    """Each cluster with its decision: renamed, marked noise, merged (sizes and counts added up
    into the target, through chains of merges), mapped or promoted to a topic. Merged-away
    clusters are left out."""
    targets = merge_targets(payloads, decisions)
    merged_into: dict[str, list[str]] = {}
    for cluster_id, target in targets.items():
        merged_into.setdefault(target, []).append(cluster_id)
    view = []
    for cluster_id, payload in payloads.items():
        decision = decisions.get(cluster_id, {})
        if cluster_id in targets:
            continue
        row = {**payload, "original_name": payload.get("name"), "decision": decision.get("decision"),
               "noise": bool(decision.get("noise")), "merged": sorted(merged_into.get(cluster_id, []))}
        for source in row["merged"]:
            _absorb(row, payloads[source])
        if decision.get("name"):
            row["name"] = decision["name"]
        if decision.get("topic"):
            row["topic"], row["owner"], row["mapping"] = decision["topic"], decision.get("owner"), decision["decision"]
        view.append(row)
    return view


def _absorb(row: dict[str, Any], other: dict[str, Any]) -> None:
    mine, theirs = row.get("size", 0), other.get("size", 0)
    mix = {k: (row.get("sentiment_mix", {}).get(k, 0) * mine + other.get("sentiment_mix", {}).get(k, 0) * theirs)
           / max(mine + theirs, 1) for k in {*row.get("sentiment_mix", {}), *other.get("sentiment_mix", {})}}
    row["sentiment_mix"] = {k: round(v, 4) for k, v in sorted(mix.items())}
    rated = [(r["mean_rating"], r.get("rated", 0)) for r in (row, other) if r.get("mean_rating") is not None]
    if rated and sum(n for _, n in rated):
        row["mean_rating"] = round(sum(m * n for m, n in rated) / sum(n for _, n in rated), 4)
    row["size"] = mine + theirs
    row["negative"] = row.get("negative", 0) + other.get("negative", 0)
    row["repeat_contacts"] = row.get("repeat_contacts", 0) + other.get("repeat_contacts", 0)
    for key in ("daily_counts", "channels"):
        combined = dict(row.get(key) or {})
        for name, count in (other.get(key) or {}).items():
            combined[name] = combined.get(name, 0) + count
        row[key] = dict(sorted(combined.items()))
    row["keywords"] = list(dict.fromkeys([*row.get("keywords", []), *other.get("keywords", [])]))
    row["examples"] = [*row.get("examples", []), *other.get("examples", [])]
