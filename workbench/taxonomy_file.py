"""The taxonomy YAML as a versioned file: the single source of truth for topics and owners.

Every change writes a whole new version atomically (see `workbench.atomic`), after the
new text has been parsed and validated like any taxonomy; the previous text is kept
first as ``<file>.history/<version>.yaml``. Changes hold an exclusive ``flock`` on
``.<file>.lock`` (released by the OS if the process dies) and check the version the
caller last saw (optimistic concurrency): an edit based on an older version is refused.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from topics.taxonomy import DEFAULT_TAXONOMY, Taxonomy, TaxonomyError, load_taxonomy, parse_taxonomy
from workbench.atomic import write_atomically
from workbench.errors import BrokenTaxonomyError, ConcurrentEditError, WorkbenchError
from workbench.paths import is_shipped_taxonomy

LOCK_WAIT_S = 5.0
HEADER = ("# Edited by the VOC Radar workbench: every change is a new version; earlier versions are\n"
          "# kept in the .history folder beside this file and each action is in the audit log.\n")


class TaxonomyFile:
    def __init__(self, path: Path, seed: Path = DEFAULT_TAXONOMY, lock_wait_s: float = LOCK_WAIT_S) -> None:
        self.path = Path(path)
        self.seed = Path(seed)
        self.lock_wait_s = lock_wait_s

    @property
    def history(self) -> Path:
        return self.path.with_name(f"{self.path.stem}.history")

    @property
    def lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def read(self) -> Taxonomy:
        """The version in force (the seed until the first change is written)."""
        try:
            return load_taxonomy(self.path if self.path.exists() else self.seed)
        except TaxonomyError as error:
            raise BrokenTaxonomyError(f"{error} — the file was changed outside the workbench; fix it, or copy "
                                      f"back the last good version from {self.history}") from error

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the edit lock; another holder for longer than ``lock_wait_s`` → ConcurrentEditError."""
        self.lock_path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.lock_wait_s
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise ConcurrentEditError(
                            f"{self.path}: the taxonomy is being edited by another process; try again") from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    def check_version(self, current: Taxonomy, expected: int | str | None) -> None:
        if expected is not None and str(expected) != str(current.version):
            raise ConcurrentEditError(
                f"taxonomy_version: the taxonomy is at version {current.version}, not {expected}; it was changed "
                "meanwhile — reload and decide again")

    def write(self, current: Taxonomy, data: dict[str, Any]) -> Taxonomy:
        """Write ``data`` (owners, topics …) as the next version after ``current``; call inside ``locked``.

        The new text is validated first; the previous text goes to the history folder."""
        if is_shipped_taxonomy(self.path):
            raise WorkbenchError(f"{self.path}: the shipped taxonomy is never edited; edit a copy in the data folder")
        on_disk = self.read()
        if on_disk.digest != current.digest:
            raise ConcurrentEditError(f"{self.path}: the taxonomy changed on disk while this edit was prepared")
        data = {**data, "version": next_version(current.version, self.history)}
        text = HEADER + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=120)
        new = parse_taxonomy(text, f"{self.path} (new version {data['version']})")
        previous_text = (self.path if self.path.exists() else self.seed).read_text(encoding="utf-8")
        write_atomically(self.history / f"{_slug(current.version)}.yaml", previous_text)
        write_atomically(self.path, text)
        return new

    def versions(self) -> list[str]:
        """Earlier versions kept in the history folder, oldest first."""
        if not self.history.is_dir():
            return []
        return sorted((p.stem for p in self.history.glob("*.yaml")), key=lambda v: (len(v), v))


def taxonomy_data(taxonomy: Taxonomy) -> dict[str, Any]:
    """The taxonomy as the plain mapping its YAML holds (no digest; no ``outside`` list when it has none)."""
    return taxonomy.model_dump(exclude={"digest"} if taxonomy.outside else {"digest", "outside"})


def next_version(version: int | str, history: Path) -> int | str:
    """``version`` + 1, and past every version kept in the history folder: a file put back from the
    history (``cp taxonomy.history/0001.yaml taxonomy.yaml``) must not give a later version's number
    again, or the new text would overwrite that version's copy and pass for it."""
    text = str(version)
    if text.isdigit():
        kept = [int(p.stem) for p in history.glob("*.yaml") if p.stem.isdigit()] if history.is_dir() else []
        return max([int(text), *kept]) + 1
    kept = len(list(history.glob("*.yaml"))) if history.is_dir() else 0
    return f"{text}.{kept + 1}"


def _slug(version: int | str) -> str:
    text = str(version)
    if text.isdigit():
        return f"{int(text):04d}"
    safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in text)
    if not safe:
        raise WorkbenchError(f"taxonomy version {version!r} cannot name a history file")
    return safe
