"""The run in force, seen by the workbench: cluster payloads with analysts' decisions applied.

Acting on a cluster checks that its id belongs to the run in force (``jobs.state``); an id
that only an earlier run had is refused as superseded, naming both runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobs.decisions import merge_targets
from jobs.state import RunState, item_id, read_current
from workbench.errors import StaleRunError, UnknownClusterError, WorkbenchError


def current_run(state_dir: Path) -> RunState:
    state = read_current(state_dir)
    if state is None:
        raise WorkbenchError("no clustering run yet: run 'voc recluster' (or 'voc demo') first")
    return state


def check_cluster(state: RunState, state_dir: Path, cluster_id: str, run_id: str | None = None,
                  field: str = "cluster_id") -> None:
    if run_id is not None and run_id != state.run_id:
        raise StaleRunError(f"run_id: run {run_id!r} has been superseded by {state.run_id!r}; reload the clusters")
    if cluster_id in state.cluster_ids:
        return
    older = _run_of(state_dir, cluster_id)
    if older:
        raise StaleRunError(f"{field}: cluster {cluster_id!r} belongs to run {older!r}, superseded by "
                            f"{state.run_id!r}; reload the clusters")
    raise UnknownClusterError(f"{field}: cluster {cluster_id!r} is not in the run in force ({state.run_id})")


def _run_of(state_dir: Path, cluster_id: str) -> str | None:
    runs = state_dir / "runs"
    if not runs.is_dir():
        return None
    for folder in sorted(runs.iterdir(), reverse=True):
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if cluster_id in manifest.get("cluster_ids", []):
            return folder.name
    return None


def cluster_payloads(store, state: RunState) -> dict[str, dict[str, Any]]:
    """``{cluster_id: payload}`` of the run in force, in the run's order."""
    items = store.clusters.get([item_id(state.run_id, c) for c in state.cluster_ids], with_vectors=False)
    return {item.payload["cluster_id"]: dict(item.payload) for item in items}


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
