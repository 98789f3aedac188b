"""Picking up what another process changed in the data folder: a clustering run put in force
by `voc recluster` (a cron job, a Kubernetes CronJob) and taxonomy edits made through
another replica or a notebook on the same shared folder.

A daemon thread looks at the two files every ``poll_s`` seconds (a `stat` each) and, when
one changed, swaps in the new cluster run or rebuilds the topic stage. The service's own
taxonomy edits call `check` at once, so each edit is loaded exactly once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

logger = logging.getLogger("voc.shared_state")


def _signature(path: Path) -> tuple[int, int, int] | None:
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size, status.st_ino


class SharedStateWatcher:
    """Calls ``on_change`` for each watched file whose modification time, size or inode changed."""

    def __init__(self, watched: dict[str, tuple[Callable[[], Path], Callable[[], None]]], poll_s: float) -> None:
        self.watched = watched  # name → (path of the file now, what to do when it changed)
        self.poll_s = poll_s
        self._seen = {name: _signature(path()) for name, (path, _) in watched.items()}
        # name → why its latest change on disk could not be loaded (the previous one is still in use)
        self.problems: dict[str, str] = {}
        self._stop = threading.Event()
        self._checking = threading.Lock()  # the poll thread and an edit's request thread, one at a time
        self._thread = threading.Thread(target=self._loop, name="shared-state-watcher", daemon=True)

    def start(self) -> SharedStateWatcher:
        if self.poll_s > 0:
            self._thread.start()
        return self

    def check(self) -> list[str]:
        """Look once; the names of the files that changed (and were reloaded)."""
        with self._checking:
            return self._check()

    def _check(self) -> list[str]:
        changed = []
        for name, (path, on_change) in self.watched.items():
            now = _signature(path())
            if now == self._seen[name]:
                continue
            self._seen[name] = now
            try:
                on_change()
            except Exception as error:  # noqa: BLE001 — a bad file must not stop the service; it keeps what it had
                self.problems[name] = (f"the {name} changed on disk could not be loaded; the previous one is still "
                                       f"in use: {type(error).__name__}: {error}")
                logger.exception("could not reload the %s after it changed on disk; keeping the previous one", name)
                continue
            self.problems.pop(name, None)
            changed.append(name)
            logger.info("reloaded the %s changed on disk", name)
        return changed

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.wait(self.poll_s):
            self.check()
