"""The re-clustering run over a window of the store: cluster, keep ids, describe, write.

Order of writes, so that a run that stops anywhere leaves the previous run in force:
1. the new run's cluster items (under ids ``<run>:<cluster>``, unseen until step 3),
2. the run folder: manifest, centroids, every message's assignment,
3. ``current.json`` replaced in one rename: the new run is in force,
4. messages' cluster ids written back (only those that changed), then ``applied`` set;
   a run stopped here is finished by the next one,
5. the cluster items and folders of older runs removed.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any

import numpy as np

from clustering import CentroidModel, ClusterPipeline
from clustering.centroids import centroids_of
from clustering.debt import GroupStats, debt_ranking
from clustering.matching import Matching, keep_previous, match_clusters, stability
from clustering.profiles import cluster_profiles
from clustering.trends import growth, is_emerging, sentiment_shift, status, unmeasured
from core.errors import VocError
from jobs.decisions import Decisions, apply_decisions
from jobs.state import (
    ASSIGNMENTS,
    RunState,
    item_id,
    read_assignments,
    read_current,
    run_dir,
    run_lock,
    write_assignments,
    write_current,
)
from jobs.window import Window, read_window
from store.records import as_utc

WRITE_CHUNK = 2048
RETRIES_WITHOUT_DELETED = 3  # write-back tries that leave out the messages deleted meanwhile


class ReclusterError(VocError):
    """A run that cannot go ahead (empty window, too few messages); nothing was changed."""


@dataclass
class ReclusterSettings:
    min_cluster_size: int = ClusterPipeline.DEFAULTS["min_cluster_size"]
    min_samples: int = ClusterPipeline.DEFAULTS["min_samples"]
    outlier_quantile: float = ClusterPipeline.DEFAULTS["outlier_quantile"]
    max_fit: int = ClusterPipeline.DEFAULTS["max_fit"]
    random_state: int = ClusterPipeline.DEFAULTS["random_state"]
    spelling_weight: float = ClusterPipeline.DEFAULTS["spelling_weight"]
    min_overlap: float = 0.3
    stickiness: float = 0.25
    recent_days: int = 7
    baseline_days: int = 28
    min_recent: int = 10
    keep_runs: int = 2
    seed_previous: bool = True  # start from the previous run's clusters (False: cluster afresh)

    def check(self) -> None:
        """ReclusterError for values the pipeline cannot run with, before any message is read."""
        if self.min_cluster_size < 2:
            raise ReclusterError(f"min_cluster_size {self.min_cluster_size}: a cluster needs at least 2 messages")
        if self.min_samples < 1:
            raise ReclusterError(f"min_samples {self.min_samples}: must be at least 1")
        if self.max_fit < self.min_cluster_size:
            raise ReclusterError(f"max_fit {self.max_fit}: the fit sample must hold at least min_cluster_size "
                                 f"({self.min_cluster_size}) messages")
        if not 0.0 <= self.outlier_quantile <= 1.0:
            raise ReclusterError(f"outlier_quantile {self.outlier_quantile}: must be within 0 … 1")


def run_recluster(store, state_dir: Path, since: datetime, until: datetime,
                  settings: ReclusterSettings | None = None, pipeline: ClusterPipeline | None = None,
                  log: Callable[[str], None] = lambda _: None,
                  progress: Callable[[str, int, int], None] | None = None,
                  decisions: Decisions | None = None) -> dict[str, Any]:
    """Cluster the messages created in [since, until) and put the result in force; returns the report.

    ``progress(stage, done, total)`` follows the stages "read" and "write" (messages); without it,
    progress goes to ``log`` as lines. The report's client-debt list applies the analysts'
    ``decisions`` (jobs.decisions) to the new run's clusters. One run at a time per ``state_dir``,
    across processes: another one going on raises RunLockedError."""
    settings = settings or ReclusterSettings()
    settings.check()
    since, until = window_bounds(since, until)
    with run_lock(state_dir):
        return _run(store, state_dir, since, until, settings, pipeline, log, progress, decisions)


def window_bounds(since: datetime, until: datetime) -> tuple[datetime, datetime]:
    """The window in UTC (a moment without a zone is UTC); ReclusterError when it holds no time."""
    since, until = as_utc(since), as_utc(until)
    if since >= until:
        raise ReclusterError(f"the window is empty: its start {since.isoformat()} is not before its end "
                             f"{until.isoformat()}; nothing was changed")
    return since, until


def _run(store, state_dir: Path, since: datetime, until: datetime, settings: ReclusterSettings | None,
         pipeline: ClusterPipeline | None, log: Callable[[str], None],
         progress: Callable[[str, int, int], None] | None, decisions: Decisions | None) -> dict[str, Any]:
    progress = progress or (lambda stage, done, total: log(f"{stage} {done}/{total} messages"))
    settings = settings or ReclusterSettings()
    started = time.perf_counter()
    previous = read_current(state_dir)
    if previous is not None and not previous.applied:
        _finish(store, state_dir, previous, log)
    window = read_window(store, since, until, max_fit=settings.max_fit,
                         progress=lambda done, total: progress("read", done, total))
    if len(window.ids) < max(settings.min_cluster_size, 2):
        raise ReclusterError(_too_few(window, since, until, settings.min_cluster_size, previous))
    log(f"clustering {len(window.ids)} messages (fit on {len(window.sample)})")
    pipeline = pipeline or ClusterPipeline(
        min_cluster_size=settings.min_cluster_size, min_samples=settings.min_samples,
        outlier_quantile=settings.outlier_quantile, spelling_weight=settings.spelling_weight,
        random_state=settings.random_state)
    pipeline.fit(window.vectors, window.texts, sample=window.sample,
                 seeds=_previous_labels(previous, window) if settings.seed_previous else None, stage=log)
    if pipeline.n_clusters_ == 0 and previous is not None and previous.cluster_ids:
        # an empty registry in force would cost every cluster its id: the next run could match none of them
        raise ReclusterError(f"no cluster among the {len(window.ids)} messages between {since.isoformat()} and "
                             f"{until.isoformat()}, so the run in force ({previous.run_id}, "
                             f"{len(previous.cluster_ids)} clusters) stays")

    sequence = previous.sequence + 1 if previous else 1
    run_id = f"r{sequence}"
    matching = _match(store, previous, window, pipeline, sequence, settings)
    ids = matching.ids
    position = {cluster: j for j, cluster in enumerate(ids)}
    previous_index = np.asarray([position.get(c, -1) if c else -1 for c in window.previous], dtype=np.int64)
    labels = keep_previous(window.vectors, pipeline.labels_, previous_index, pipeline.centroids_,
                           pipeline.threshold_, settings.stickiness)
    stayed = int((labels != pipeline.labels_).sum())
    labels, source = drop_emptied(labels, matching)  # source[j]: the pipeline's cluster behind cluster j
    ids = matching.ids
    centroids = centroids_of(window.vectors, labels, len(ids))
    assigned = [ids[label] if label >= 0 else None for label in labels.tolist()]
    prev_window = _in_previous_window(window, previous)
    kept = stability([window.previous[i] for i in prev_window], [assigned[i] for i in prev_window])

    today = until.astimezone(UTC).date() if until.tzinfo else until.date()
    baseline_days = growth_baseline(since, today, settings.recent_days, settings.baseline_days)
    measured = baseline_days >= settings.recent_days
    profiles = cluster_profiles(labels, window.facts, len(ids))
    payloads = []
    for index, profile in enumerate(profiles):
        fitted = int(source[index])
        daily = {date.fromisoformat(d): n for d, n in profile["daily_counts"].items()}
        trend = (growth(daily, today, recent_days=settings.recent_days, baseline_days=baseline_days,
                        min_recent=settings.min_recent) if measured
                 else unmeasured(daily, today, recent_days=settings.recent_days))
        negative_daily = {date.fromisoformat(d): n for d, n in profile["daily_negative"].items()}
        shift = sentiment_shift(daily, negative_daily, today, recent_days=settings.recent_days,
                                baseline_days=settings.baseline_days)
        first = date.fromisoformat(profile["first_seen"][:10]) if profile["first_seen"] else None
        minted = previous is not None and ids[index] in matching.minted
        cluster_status = status(trend, minted=minted, first_seen=first if first and first > since.date() else None,
                                today=today, recent_days=settings.recent_days)
        payloads.append({
            "cluster_id": ids[index], "run_id": run_id, "name": pipeline.names_[fitted],
            "keywords": pipeline.keywords_.get(fitted, []),
            "examples": [window.texts[i] for i in pipeline.representatives_[fitted]],
            "example_ids": [window.ids[i] for i in pipeline.representatives_[fitted]],
            **profile, "status": cluster_status, "emerging": is_emerging(cluster_status) or shift.shifted,
            "growth": trend.as_dict(), "sentiment_shift": shift.as_dict(),
            "window": [since.isoformat(), until.isoformat()],
        })
    if ids:
        store.clusters.upsert([item_id(run_id, c) for c in ids], centroids, payloads)

    folder = run_dir(state_dir, run_id)
    CentroidModel(centroids, pipeline.threshold_).save(folder, {"run_id": run_id, "cluster_ids": ids})
    write_assignments(folder, zip(window.ids, assigned, strict=True))
    report = {
        "run_id": run_id, "since": since.isoformat(), "until": until.isoformat(), "messages": len(window.ids),
        "without_vectors": window.without_vectors, "fitted_on": len(window.sample),
        "clusters": len(ids), "noise_share": round(float((labels < 0).mean()), 4),
        "kept_in_previous_cluster": stayed,
        "noise_before_assignment": round(pipeline.noise_before_assignment_, 4),
        "threshold": round(pipeline.threshold_, 4),
        "stability": None if kept is None else round(kept, 4), "compared_messages": len(prev_window),
        "kept_ids": len(matching.matched), "new_ids": matching.minted, "gone_ids": matching.gone,
        "merges": matching.merges, "splits": matching.splits,
        "growth": {"recent_days": settings.recent_days, "baseline_days": baseline_days, "measured": measured},
        "statuses": {s: sum(p["status"] == s for p in payloads) for s in ("new", "growing", "stable", "fading")},
        "emerging": sum(p["emerging"] for p in payloads),
        "sentiment_shifts": sum(p["sentiment_shift"]["shifted"] for p in payloads),
        "debt": debt_ranking([_debt_stats(p) for p in apply_decisions({p["cluster_id"]: p for p in payloads},
                                                                       dict(decisions or {}))
                              if not p["noise"]], total_contacts=len(window.ids))[:20],
        "settings": asdict(settings),
    }
    (folder / "report.json").write_text(_json(report), encoding="utf-8")
    state = RunState(run_id, sequence, since.isoformat(), until.isoformat(), pipeline.threshold_,
                     int(store.dimension), ids, applied=False, finished_at=datetime.now(UTC).isoformat())
    write_current(state_dir, state)
    log(f"{run_id} in force: {len(ids)} clusters; writing cluster ids to messages")
    report["changed_messages"] = _apply(store, state_dir, state, before=dict(zip(window.ids, window.previous,
                                                                                  strict=True)),
                                        progress=lambda done: progress("write", done, len(window.ids)))
    _clean(store, state_dir, state, settings.keep_runs)
    report["seconds"] = round(time.perf_counter() - started, 2)
    (folder / "report.json").write_text(_json(report), encoding="utf-8")
    return report


def growth_baseline(since: datetime, today: date, recent_days: int, baseline_days: int) -> int:
    """Days of the growth baseline: at most ``baseline_days``, and only whole days of the window before
    the recent period. A baseline reaching before the window's start would count days the run never
    read as days without messages: a steady cluster would look as if it grew (by 28/23 in a 30-day
    window, hundredfold in a 7-day one)."""
    since = since.astimezone(UTC)
    first = since.date() if since.time() == time_of_day.min else since.date() + timedelta(days=1)
    return max(0, min(baseline_days, (today - timedelta(days=recent_days) - first).days))


def _too_few(window: Window, since: datetime, until: datetime, needed: int, previous: RunState | None) -> str:
    count = len(window.ids)
    kept = f"the run in force ({previous.run_id}) stays" if previous else "no run was made, nothing was changed"
    return (f"{count} message{'' if count == 1 else 's'} with vectors between {since.isoformat()} and "
            f"{until.isoformat()} ({window.without_vectors} without); at least {needed} are needed, so {kept}")


def drop_emptied(labels: np.ndarray, matching: Matching) -> tuple[np.ndarray, np.ndarray]:
    """Remove the clusters that kept no message once boundary messages stayed in their previous
    cluster: labels renumbered, ``matching`` updated in place (an emptied cluster's kept id is
    gone, a minted one was never issued); returns the labels and, per remaining cluster, its
    index among the clusters before."""
    sizes = np.bincount(labels[labels >= 0], minlength=len(matching.ids))
    alive = np.flatnonzero(sizes > 0)
    if len(alive) == len(matching.ids):
        return labels, alive
    emptied = [matching.ids[j] for j in np.flatnonzero(sizes == 0)]
    renumber = np.full(len(matching.ids), -1, dtype=np.int64)
    renumber[alive] = np.arange(len(alive))
    labels = np.where(labels >= 0, renumber[np.maximum(labels, 0)], -1)
    matching.ids = [matching.ids[j] for j in alive]
    matching.minted = [c for c in matching.minted if c not in emptied]
    matching.gone += [c for c in emptied if matching.matched.pop(c, None) is not None]
    kept = set(matching.ids)
    matching.merges = [m for m in matching.merges if m["into"] in kept]
    matching.splits = [{**m, "into": [c for c in m["into"] if c in kept]} for m in matching.splits]
    matching.splits = [m for m in matching.splits if len(m["into"]) >= 2]
    return labels, alive


def _debt_stats(payload: dict[str, Any]) -> GroupStats:
    return GroupStats(payload["cluster_id"], payload["name"], payload["size"], payload["repeat_contacts"],
                      payload["negative"], payload["mean_rating"], payload["growth"]["ratio"],
                      kind="cluster" if payload["mapping"] in ("mapped", "promoted") else "unmapped")


def _match(store, previous: RunState | None, window: Window, pipeline: ClusterPipeline, sequence: int,
           settings: ReclusterSettings):
    counter = itertools.count(1)
    mint = lambda: f"c{sequence}-{next(counter)}"  # noqa: E731
    prev_ids: list[str] = []
    prev_centroids = np.zeros((0, pipeline.centroids_.shape[1]), dtype=np.float32)
    if previous is not None:
        items = store.clusters.get([item_id(previous.run_id, c) for c in previous.cluster_ids], with_vectors=True)
        prev_ids = [item.payload["cluster_id"] for item in items]
        if items:
            prev_centroids = np.vstack([item.vector for item in items]).astype(np.float32)
    index = {cluster: i for i, cluster in enumerate(prev_ids)}
    prev_labels = np.asarray([index.get(c, -1) if c else -1 for c in window.previous], dtype=np.int64)
    return match_clusters(prev_ids, prev_centroids, pipeline.centroids_, prev_labels, pipeline.labels_, mint,
                          centroid_threshold=pipeline.threshold_, min_overlap=settings.min_overlap)


def _previous_labels(previous: RunState | None, window: Window) -> np.ndarray | None:
    """Each message's cluster in the previous run, as an index into its cluster ids (−1 = none)."""
    if previous is None:
        return None
    index = {cluster: i for i, cluster in enumerate(previous.cluster_ids)}
    return np.asarray([index.get(c, -1) if c else -1 for c in window.previous], dtype=np.int64)


def _in_previous_window(window: Window, previous: RunState | None) -> list[int]:
    if previous is None:
        return []
    start = datetime.fromisoformat(previous.since).timestamp()
    end = datetime.fromisoformat(previous.until).timestamp()
    ts = window.facts.created_ts
    return np.where((ts >= start) & (ts < end))[0].tolist()


def _apply(store, state_dir: Path, state: RunState, before: dict[str, str | None] | None = None,
           progress: Callable[[int], None] = lambda _: None) -> int:
    """Write the run's cluster ids to messages (only changes when ``before`` is known)."""
    changes: dict[str, str | None] = {}
    written = 0
    for done, (message_id, cluster_id) in enumerate(read_assignments(run_dir(state_dir, state.run_id)), 1):
        if done % WRITE_CHUNK == 0:
            progress(done)
        if before is not None and before.get(message_id) == cluster_id:
            continue
        changes[message_id] = cluster_id
        if len(changes) >= WRITE_CHUNK:
            written += _write(store, changes)
            changes = {}
    written += _write(store, changes)
    progress(len(before) if before is not None else 0)
    state.applied = True
    write_current(state_dir, state)
    return written


def _finish(store, state_dir: Path, previous: RunState, log: Callable[[str], None]) -> None:
    """Finish the write-back of a run that stopped during it; without its assignments (a removed run
    folder) there is nothing to finish from: this run writes its own over what the messages hold."""
    if not (run_dir(state_dir, previous.run_id) / ASSIGNMENTS).is_file():
        log(f"the write-back of {previous.run_id} cannot be finished: {run_dir(state_dir, previous.run_id)} has no "
            f"{ASSIGNMENTS}; this run writes every message whose cluster differs")
        return
    log(f"finishing the write-back of {previous.run_id}")
    _apply(store, state_dir, previous)


def _write(store, changes: dict[str, str | None]) -> int:
    if not changes:
        return 0
    from store import NotFoundError

    for _ in range(RETRIES_WITHOUT_DELETED):
        try:
            return store.messages.set_clusters(changes)
        except NotFoundError as error:  # some were deleted meanwhile (retention, erasure): write the rest
            gone = set(error.missing)
            changes = {message_id: cluster for message_id, cluster in changes.items() if message_id not in gone}
            if not changes:
                return 0
    written = 0  # deletions keep landing between the check and the write: one message at a time
    for message_id, cluster_id in changes.items():
        try:
            written += store.messages.set_clusters({message_id: cluster_id})
        except NotFoundError:
            continue
    return written


def _clean(store, state_dir: Path, state: RunState, keep_runs: int) -> None:
    # older runs' items, and those of an attempt at this run that stopped before the switch (ids it minted)
    in_force = {item_id(state.run_id, cluster_id) for cluster_id in state.cluster_ids}
    stale = [item.id for item in store.clusters.all(with_vectors=False) if item.id not in in_force]
    if stale:
        store.clusters.delete(stale)
    runs = sorted((p for p in (state_dir / "runs").iterdir() if p.is_dir() and p.name[1:].isdigit()),
                  key=lambda p: int(p.name[1:]))
    for folder in runs[:-max(keep_runs, 1)]:  # the run in force always keeps its folder
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


def _json(value: Any) -> str:
    import json

    return json.dumps(value, ensure_ascii=False, indent=2, default=str)
