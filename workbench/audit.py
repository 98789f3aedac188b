"""The append-only audit log of analyst actions: one JSON line per action, never rewritten.

Each entry: ``n`` (1, 2, …), ``at`` (UTC ISO time), ``who``, ``action``, ``run_id``,
``clusters``, ``params``, ``changes`` (each ``{kind, key, before, after}``: a topic of the
taxonomy or a cluster's decision, ``None`` meaning absent), ``taxonomy_version``
(before/after) and, for an undo, ``undo_of``. Lines are appended with a flush and fsync
while the caller holds the taxonomy's edit lock.
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
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(record, ensure_ascii=False, default=str) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        return record
