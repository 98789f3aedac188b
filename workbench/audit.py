"""The append-only audit log of analyst actions: one JSON line per action, never rewritten.

Each entry: ``n`` (1, 2, …), ``at`` (UTC ISO time), ``who``, ``action``, ``run_id``,
``clusters``, ``params``, ``changes`` (each ``{kind, key, before, after}``: a topic of the
taxonomy or a cluster's decision, ``None`` meaning absent), ``taxonomy_version``
(before/after) and, for an undo, ``undo_of``. Lines are appended with a flush and fsync
while the caller holds the taxonomy's edit lock; a line cut short by a crash (its action was
not completed) is dropped at the next append, and an append that fails leaves no part behind.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench.errors import UnknownActionError, WorkbenchError


class AuditLog:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def entries(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        entries = []
        with self.path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    entries.append(json.loads(line))
                except ValueError:
                    if handle.read().strip():  # a damaged line in the middle is a real problem
                        raise WorkbenchError(f"{self.path}: line {number} is not valid JSON") from None
                    break  # a last line cut short by a crash is ignored (its action was not completed)
        return entries

    def entry(self, n: int) -> dict[str, Any]:
        for entry in self.entries():
            if entry["n"] == n:
                return entry
        raise UnknownActionError(f"action {n} is not in the audit log")

    def undone(self) -> set[int]:
        """Actions whose effect is undone: by an undo that is itself in force (undoing an undo
        puts the first action back in force)."""
        undos: dict[int, list[int]] = {}
        numbers = []
        for entry in self.entries():
            numbers.append(entry["n"])
            if entry.get("undo_of") is not None:
                undos.setdefault(entry["undo_of"], []).append(entry["n"])
        undone: dict[int, bool] = {}
        for n in sorted(numbers, reverse=True):  # an undo comes after what it undoes
            undone[n] = any(not undone.get(undo, False) for undo in undos.get(n, []))
        return {n for n, is_undone in undone.items() if is_undone}

    def append(self, entry: dict[str, Any]) -> dict[str, Any]:
        entries = self.entries()
        record = {"n": (entries[-1]["n"] + 1) if entries else 1, "at": datetime.now(UTC).isoformat(), **entry}
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            # a last line cut short by a crash is dropped first: appended to, it would swallow this entry
            end, missing_newline = self._complete_end()
            os.ftruncate(fd, end)
            line = b"\n" * missing_newline + line
            try:
                written = 0
                while written < len(line):
                    written += os.write(fd, line[written:])
                os.fsync(fd)
            except BaseException:
                os.ftruncate(fd, end)  # no part of this entry stays behind to damage the next one
                raise
        finally:
            os.close(fd)
        return record

    def _complete_end(self) -> tuple[int, bool]:
        """Where the log's complete entries end, and whether the last one lacks its line break
        (a whole entry without one is kept; a fragment after the last line break is not)."""
        data = self.path.read_bytes()
        end = data.rfind(b"\n") + 1
        try:
            json.loads(data[end:])
        except ValueError:
            return end, False
        return len(data), True
