"""The nightly re-clustering run, started by the service itself at a set UTC time every day.

The service owns the embedded store, so out of the box the nightly job runs inside it: at
``VOC_RECLUSTER_DAILY_AT`` (HH:MM, UTC) a daemon thread starts a run over the latest
``VOC_RECLUSTER_WINDOW`` through the same `ClusterRuns` as ``POST /v1/admin/recluster`` (one
run at a time; a run already going on is left to finish and the day's start is skipped).
``off`` turns it off, for deployments where a CronJob runs ``voc recluster`` instead.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from typing import Any

logger = logging.getLogger("voc.nightly")


def next_run(now: datetime, at: time) -> datetime:
    """The first moment after ``now`` at the time of day ``at`` (UTC)."""
    now = now.astimezone(UTC)
    today = datetime.combine(now.date(), at.replace(tzinfo=None), tzinfo=UTC)
    return today if today > now else today + timedelta(days=1)


class NightlySchedule:
    """Calls ``start_run(since, until)`` at ``at`` every day until closed."""

    def __init__(self, at: time, window: str, start_run: Callable[[datetime, datetime], Any],
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.at = at
        self.window = window
        self.start_run = start_run
        self.clock = clock
        self.next_at: datetime | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="nightly-recluster", daemon=True)

    def start(self) -> NightlySchedule:
        self.next_at = next_run(self.clock(), self.at)
        self._thread.start()
        logger.info("nightly re-clustering over the latest %s at %s UTC; next %s", self.window,
                    self.at.strftime("%H:%M"), self.next_at.isoformat())
        return self

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while True:
            due = self.next_at or next_run(self.clock(), self.at)
            # woken at least every minute, so a clock that jumps (a suspended VM) does not delay a run a day
            if self._stop.wait(min(60.0, max(0.0, (due - self.clock()).total_seconds()))):
                return
            if self.clock() < due:
                continue
            self._run_now()
            self.next_at = next_run(max(self.clock(), due), self.at)

    def _run_now(self) -> None:
        from jobs.timespan import parse_window

        try:
            since, until = parse_window(self.window, "now", now=self.clock())
            self.start_run(since, until)
            logger.info("nightly re-clustering started over %s … %s", since.isoformat(), until.isoformat())
        except Exception as error:  # noqa: BLE001 — a refused start (a run going on) must not end the schedule
            logger.warning("nightly re-clustering not started: %s", error)
