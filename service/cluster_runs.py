"""Re-clustering inside the service: the run in force for new messages, and runs on demand.

The service owns the embedded store (docs/store.md, "sharing"), so an admin call runs the
job in a thread of this process, on the same `Store`. One run at a time: a second start
while one runs raises :class:`RunInProgress`. When a run has put its clusters in force,
the analyser's matcher is reloaded, so the next message gets a cluster of the new run.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import numpy as np

from analysis.stages import ClusterMatch
from core.errors import VocError
from jobs import ReclusterSettings, run_recluster
from jobs.matcher import CurrentClusters

logger = logging.getLogger("voc.clusters")


class RunInProgress(VocError):
    """A re-clustering run is already going on."""


class LiveClusters:
    """The analyser's `ClusterMatcher`: the nearest cluster of the run in force, swapped after each run,
    as the analysts left it: a cluster merged away answers as the cluster it was merged into, a
    renamed one by its new name, one marked as noise with the status "noise" (no emerging signal)."""

    def __init__(self, store, state_dir: Path, decisions_path: Path | None = None) -> None:
        self.store = store
        self.state_dir = state_dir
        self.decisions_path = decisions_path
        self.current: CurrentClusters | None = None
        self._decided: tuple[Any, dict[str, tuple[str, str, str]]] = (None, {})
        self.reload()

    def reload(self) -> None:
        try:
            self.current = CurrentClusters.load(self.store, self.state_dir)
        except VocError as error:  # a damaged current.json: no clusters until a run succeeds
            logger.warning("no cluster run in force: %s", error)
            self.current = None

    def nearest(self, vectors: np.ndarray) -> list[ClusterMatch | None]:
        current = self.current  # one read: a reload between two calls cannot mix two runs
        if current is None:
            return [None] * len(vectors)
        matches = current.nearest(vectors)
        decided = self._decided_view(current)
        if not decided:
            return matches
        return [match if match is None or match.cluster_id not in decided
                else replace(match, **cast(dict[str, Any], dict(zip(("cluster_id", "name", "status"),
                                                                    decided[match.cluster_id], strict=True))))
                for match in matches]

    def _decided_view(self, current: CurrentClusters) -> dict[str, tuple[str, str, str]]:
        """``{cluster: (id, name, status) it answers with}`` for the clusters an analyst changed; read
        again only when the decisions file or the run in force changed."""
        if self.decisions_path is None:
            return {}
        key: tuple[int, int | None, int | None]
        try:
            stat = self.decisions_path.stat()
            key = (id(current), stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = (id(current), None, None)
        if self._decided[0] == key:
            return self._decided[1]
        view: dict[str, tuple[str, str, str]] = {}
        if key[1] is not None:
            from jobs.decisions import merge_targets

            decisions = self.decisions()
            own = {cluster_id: (cluster_id, name, status)
                   for cluster_id, name, status in zip(current.ids, current.names, current.statuses, strict=True)}
            targets = merge_targets(own, decisions)
            for cluster_id in own:
                answer_id = targets.get(cluster_id, cluster_id)
                decision = decisions.get(answer_id) or {}
                _, name, status = own[answer_id]
                answer = (answer_id, decision.get("name") or name, "noise" if decision.get("noise") else status)
                if answer != own[cluster_id]:
                    view[cluster_id] = answer
        self._decided = (key, view)
        return view

    def decisions(self) -> dict[str, Any]:
        """The analysts' decisions on clusters; none when there is no file, and none (with a warning)
        when it cannot be read: a damaged file must not stop routing, listings or the nightly run."""
        if self.decisions_path is None:
            return {}
        from workbench.decisions import Decisions

        try:
            return Decisions(self.decisions_path).read()
        except VocError as error:
            logger.warning("cluster decisions not applied: %s", error)
            return {}


class ClusterRuns:
    """Starts runs in a background thread, one at a time, and keeps the last run's status."""

    def __init__(self, store, state_dir: Path,
                 pipeline_factory: Callable[[ReclusterSettings], Any] | None = None,
                 decisions_path: Path | None = None) -> None:
        self.store = store
        self.state_dir = state_dir
        self.matcher = LiveClusters(store, state_dir, decisions_path)
        self.pipeline_factory = pipeline_factory  # None: the production pipeline from the settings
        self.status: dict[str, Any] = {"state": "idle"}
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self, since: datetime, until: datetime, settings: ReclusterSettings) -> None:
        if not self._lock.acquire(blocking=False):
            raise RunInProgress(f"a re-clustering run started at {self.status.get('started_at')} is still going on; "
                                "see GET /v1/admin/recluster")
        self.status = {"state": "running", "since": since.isoformat(), "until": until.isoformat(),
                       "started_at": _now()}
        self._thread = threading.Thread(target=self._run, args=(since, until, settings), name="recluster",
                                        daemon=True)
        self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the run in progress; True when none is running any more."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def decisions(self) -> dict[str, Any]:
        return self.matcher.decisions()

    def close(self) -> None:
        """At shutdown: let a run in progress finish (a stopped run would leave the previous one in force)."""
        if not self.wait(0):
            logger.info("waiting for the re-clustering run in progress to finish")
            self.wait()

    def _run(self, since: datetime, until: datetime, settings: ReclusterSettings) -> None:
        status = dict(self.status)
        try:
            pipeline = self.pipeline_factory(settings) if self.pipeline_factory else None
            report = run_recluster(self.store, self.state_dir, since, until, settings, pipeline=pipeline,
                                   decisions=self.decisions(),
                                   log=lambda line: logger.info("recluster: %s", line))
            self.matcher.reload()
            status.update(state="finished", report=report)
        except VocError as error:
            status.update(state="failed", error=str(error), error_type=type(error).__name__)
        except Exception as error:  # noqa: BLE001  the thread must always record its end
            logger.exception("the re-clustering run failed")
            status.update(state="failed", error=f"{type(error).__name__}: {error}; the previous run stays in force",
                          error_type=type(error).__name__)
        finally:
            status["finished_at"] = _now()
            self.status = status
            self._lock.release()


def _now() -> str:
    return datetime.now(UTC).isoformat()
