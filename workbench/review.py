"""What the analyst reviews: the run's clusters ranked by client debt (emerging first), what
changed since the previous run, and a 2-D map of messages coloured by cluster."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from clustering.debt import GroupStats, debt_ranking
from jobs.decisions import apply_decisions
from jobs.state import read_assignments, run_dir
from topics.taxonomy import Taxonomy
from workbench.clusters_view import cluster_payloads, current_run
from workbench.decisions import Decisions
from workbench.paths import WorkbenchPaths
from workbench.taxonomy_file import TaxonomyFile

GROWN_RATIO = 1.2  # a kept cluster "grew" when it has ≥ 20% more messages …
GROWN_MIN = 5  # … and at least this many more


def review(store, paths: WorkbenchPaths) -> dict[str, Any]:
    """The run in force with every cluster's profile, decision and client-debt score, ranked:
    emerging first, then by score; clusters marked as noise last."""
    state = current_run(paths.state_dir)
    taxonomy = TaxonomyFile(paths.taxonomy).read()
    rows = _with_current_owners(apply_decisions(cluster_payloads(store, state), Decisions(paths.decisions).read()),
                                taxonomy)
    total = sum(r.get("size", 0) for r in rows)
    ranking = {r["key"]: r for r in debt_ranking([_stats(r) for r in rows], total_contacts=total or None)}
    for row in rows:
        scored = ranking.get(row["cluster_id"], {})
        row["debt"] = scored.get("score", 0.0)
        row["debt_components"] = scored.get("components", {})
    rows.sort(key=lambda r: (r["noise"], not r.get("emerging"), -r["debt"], r["cluster_id"]))
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
    return {"run_id": state.run_id, "since": state.since, "until": state.until,
            "taxonomy_version": taxonomy.version, "clusters": rows}


def _with_current_owners(rows: list[dict[str, Any]], taxonomy: Taxonomy) -> list[dict[str, Any]]:
    """Each row's owner as the taxonomy in force names it (the topic's owner may have changed since the
    decision); a row whose topic is no longer in the taxonomy has no owner and ``topic_missing``."""
    owners = {t.id: t.owner for t in taxonomy.topics}
    for row in rows:
        row["topic_missing"] = bool(row.get("topic")) and row["topic"] not in owners
        if row.get("topic"):
            row["owner"] = owners.get(row["topic"])
    return rows


def _stats(row: dict[str, Any]) -> GroupStats:
    growth = row.get("growth") or {}
    return GroupStats(row["cluster_id"], row.get("name", ""), int(row.get("size", 0)),
                      int(row.get("repeat_contacts", 0)), int(row.get("negative", 0)), row.get("mean_rating"),
                      float(growth.get("ratio", 1.0) or 1.0),
                      kind="cluster" if row.get("mapping") in ("mapped", "promoted") else "unmapped")


def changes(paths: WorkbenchPaths) -> dict[str, Any]:
    """New, gone, merged, split and grown clusters of the run in force against the previous run."""
    state = current_run(paths.state_dir)
    folder = run_dir(paths.state_dir, state.run_id)
    report = _read_json(folder / "report.json")
    previous = _previous_run(paths.state_dir, state.run_id)
    now = _sizes(folder)
    before = _sizes(run_dir(paths.state_dir, previous)) if previous else {}
    grown = [{"cluster_id": c, "before": before[c], "after": n} for c, n in sorted(now.items())
             if c in before and n >= before[c] * GROWN_RATIO and n - before[c] >= GROWN_MIN]
    shrunk = [{"cluster_id": c, "before": before[c], "after": n} for c, n in sorted(now.items())
              if c in before and before[c] >= n * GROWN_RATIO and before[c] - n >= GROWN_MIN]
    return {"run_id": state.run_id, "previous_run_id": previous, "new": report.get("new_ids", []),
            "gone": report.get("gone_ids", []), "merges": report.get("merges", []),
            "splits": report.get("splits", []), "grown": grown, "shrunk": shrunk,
            "stability": report.get("stability")}


def _previous_run(state_dir: Path, run_id: str) -> str | None:
    runs = state_dir / "runs"
    if not runs.is_dir():
        return None
    numbers = sorted(int(p.name[1:]) for p in runs.iterdir() if p.is_dir() and p.name[1:].isdigit())
    earlier = [n for n in numbers if n < int(run_id[1:])]
    return f"r{earlier[-1]}" if earlier else None


def _sizes(folder: Path) -> dict[str, int]:
    if not (folder / "assignments.jsonl").exists():
        return {}
    return dict(Counter(cluster for _, cluster in read_assignments(folder) if cluster))


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def message_map(store, paths: WorkbenchPaths, limit: int = 3000, random_state: int = 42) -> dict[str, Any]:
    """Up to ``limit`` clustered messages of the run placed in 2-D by UMAP (cosine), with text and cluster."""
    from clustering import UmapReducer
    from jobs.window import sample_bucket
    from store import MessageFilter

    state = current_run(paths.state_dir)
    names = {r["cluster_id"]: r["name"] for r in apply_decisions(cluster_payloads(store, state),
                                                                 Decisions(paths.decisions).read())}
    merged = {c: d["merged_into"] for c, d in Decisions(paths.decisions).read().items() if d.get("merged_into")}
    rows: list[tuple[int, str, str, str, np.ndarray]] = []
    flt = MessageFilter(cluster_id=list(state.cluster_ids)) if state.cluster_ids else None
    if flt is None:
        return {"run_id": state.run_id, "points": []}
    for batch in store.messages.iterate(flt, with_vectors=True):
        for index, message in enumerate(batch.messages):
            if batch.vectors is None:
                continue
            cluster = merged.get(message.cluster_id, message.cluster_id)
            rows.append((sample_bucket(message.id), message.id, message.text, cluster, batch.vectors[index]))
    rows.sort(key=lambda r: r[0])
    rows = rows[:limit]
    if len(rows) < 3:
        return {"run_id": state.run_id, "points": []}
    xy = UmapReducer(n_components=2, min_dist=0.1, random_state=random_state).fit_transform(
        np.vstack([r[4] for r in rows]).astype(np.float32))
    if xy.shape[1] < 2:  # UMAP gives fewer dimensions than asked on a handful of points
        xy = np.hstack([xy, np.zeros((len(xy), 2 - xy.shape[1]), dtype=xy.dtype)])
    points = [{"id": r[1], "text": r[2], "cluster_id": r[3], "cluster_name": names.get(r[3], r[3]),
               "x": round(float(p[0]), 4), "y": round(float(p[1]), 4)} for r, p in zip(rows, xy, strict=True)]
    return {"run_id": state.run_id, "points": points}
