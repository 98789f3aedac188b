"""The run in force, seen by the workbench: its cluster payloads, and checks of cluster ids.

Acting on a cluster checks that its id belongs to the run in force (``jobs.state``); an id
that only an earlier run had is refused as superseded, naming both runs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from jobs.state import RunState, item_id, read_current
from workbench.errors import NoRunError, StaleRunError, UnknownClusterError


def current_run(state_dir: Path) -> RunState:
    state = read_current(state_dir)
    if state is None:
        raise NoRunError("no clustering run yet: run 'voc recluster' (or 'voc demo') first")
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
