"""The state of re-clustering runs, kept as plain files beside the store.

    STATE/current.json          the run in force (written last, with os.replace)
    STATE/runs/<run>/manifest.json, centroids.npy, assignments.jsonl
    STATE/.recluster.lock       held (flock) by the process running, so runs go one at a time

A run's clusters are stored in the store's cluster table under item ids
``<run>:<cluster id>``; only the run named in ``current.json`` is in force, so a run that
stops half-way changes nothing readers see. ``applied`` says whether every message's
cluster id has been written back; a run that stopped before that is finished by the next.
"""

from __future__ import annotations

import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from core.errors import VocError

POINTER = "current.json"
LOCK = ".recluster.lock"
ASSIGNMENTS = "assignments.jsonl"


class StateError(VocError):
    """The state of the previous run cannot be read."""


class RunLockedError(VocError):
    """Another run (another process, e.g. the nightly job beside a service) holds the state folder."""

    status = 409


@contextmanager
def run_lock(state_dir: Path) -> Iterator[None]:
    """Hold the state folder for one run: two runs at once would both write the next run's id.
    An advisory ``flock``, so it holds across processes on a shared folder and goes with a killed holder."""
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(state_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise RunLockedError(f"{state_dir}: another process is already re-clustering into this folder; "
                                 "try again when it has finished (the run in force stays)") from None
        yield
    finally:
        os.close(fd)  # releases the lock


@dataclass
class RunState:
    run_id: str
    sequence: int
    since: str
    until: str
    threshold: float
    dimension: int
    cluster_ids: list[str]
    applied: bool = False
    finished_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def read_current(state_dir: Path) -> RunState | None:
    """The run in force, or None before the first run; StateError if the file is damaged."""
    path = state_dir / POINTER
    if not path.exists():
        return None
    try:
        return RunState(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError) as error:
        raise StateError(f"{path}: the previous run cannot be read ({error}); fix or remove the file") from error


def write_current(state_dir: Path, state: RunState) -> None:
    """Put ``state`` in force at once: write a temporary file, flush it, rename it over the pointer."""
    state_dir.mkdir(parents=True, exist_ok=True)
    temporary = state_dir / f".{POINTER}.tmp"
    with temporary.open("w", encoding="utf-8") as handle:
        json.dump(asdict(state), handle, ensure_ascii=False, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, state_dir / POINTER)


def run_dir(state_dir: Path, run_id: str) -> Path:
    return state_dir / "runs" / run_id


def item_id(run_id: str, cluster_id: str) -> str:
    return f"{run_id}:{cluster_id}"


def write_assignments(folder: Path, pairs: Iterator[tuple[str, str | None]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ASSIGNMENTS
    with path.open("w", encoding="utf-8") as handle:
        for message_id, cluster_id in pairs:
            handle.write(json.dumps([message_id, cluster_id], ensure_ascii=False) + "\n")
    return path


def read_assignments(folder: Path) -> Iterator[tuple[str, str | None]]:
    with (folder / ASSIGNMENTS).open(encoding="utf-8") as handle:
        for line in handle:
            message_id, cluster_id = json.loads(line)
            yield message_id, cluster_id


def current_clusters(store, state_dir: Path, with_vectors: bool = True) -> list:
    """The cluster items of the run in force (payload: cluster_id, name, keywords, status …)."""
    state = read_current(state_dir)
    if state is None:
        return []
    return store.clusters.get([item_id(state.run_id, c) for c in state.cluster_ids], with_vectors=with_vectors)
