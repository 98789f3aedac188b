"""Rows for `voc demo`: the built-in sample, or a CSV / JSON-lines file (or a folder holding one)
turned into message bodies with the texts and dates as given."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from training.tabular import JSON_LINES_SUFFIXES, DataError
from training.tabular import read_rows as read_table
from workbench.errors import WorkbenchError

SUFFIXES = (".csv", *JSON_LINES_SUFFIXES)

DATE_COLUMNS = ("created_at", "date_utc", "date", "timestamp", "time")
ID_COLUMNS = ("id", "message_id", "tweet_id")


def find_data_file(path: Path) -> Path:
    path = Path(path)
    if path.is_dir():
        found = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() in SUFFIXES)
        if len(found) != 1:
            raise WorkbenchError(f"--data: {path} holds {len(found)} .csv/.jsonl/.ndjson files "
                                 f"({[p.name for p in found]}); name one of them")
        return found[0]
    if not path.is_file():
        raise WorkbenchError(f"--data: {path}: no such file or folder")
    if path.suffix.lower() not in SUFFIXES:
        raise WorkbenchError(f"--data: {path}: expected a .csv, .jsonl or .ndjson file")
    return path


def read_rows(path: Path, text_col: str = "text", date_col: str | None = None, id_col: str | None = None,
              limit: int | None = None) -> list[dict[str, Any]]:
    """Message bodies (id, text, created_at, source) from the file; ``limit`` keeps evenly spaced rows."""
    path = find_data_file(path)
    try:
        columns, raw = read_table(path)
    except DataError as error:
        raise WorkbenchError(f"--data: {error}") from None
    if text_col not in columns:
        raise WorkbenchError(f"--text-col: {path} has no column {text_col!r}; columns are {sorted(columns)}")
    if date_col and date_col not in columns:
        raise WorkbenchError(f"--date-col: {path} has no column {date_col!r}; columns are {sorted(columns)}")
    date_col = date_col or next((c for c in DATE_COLUMNS if c in columns), None)
    if id_col and id_col not in columns:
        raise WorkbenchError(f"--id-col: {path} has no column {id_col!r}; columns are {sorted(columns)}")
    id_col = id_col or next((c for c in ID_COLUMNS if c in columns and _unique(raw, c)), None)
    now = datetime.now(UTC)
    rows, seen = [], set()
    for number, row in evenly_spaced(list(enumerate(raw, 1)), limit):  # numbers of the file's rows, as given
        text = str(row.get(text_col) or "").strip()
        if not text:
            continue
        key = str(row.get(id_col) or number) if id_col else str(number)
        if key in seen:
            continue
        seen.add(key)
        rows.append({"id": f"{path.stem}-{key}", "text": text, "source": path.stem,
                     "created_at": _moment(row.get(date_col), path, number, date_col) if date_col else now.isoformat()})
    if not rows:
        raise WorkbenchError(f"--data: {path} has no non-empty texts in {text_col!r}")
    return rows


def evenly_spaced(rows: list, limit: int | None) -> list:
    """At most ``limit`` of the rows, evenly spaced from the first (all of them without a limit)."""
    if limit is None or not 0 < limit < len(rows):
        return rows
    step = len(rows) / limit
    return [rows[int(i * step)] for i in range(limit)]


def _unique(rows: list[dict[str, Any]], column: str) -> bool:
    values = [str(r.get(column) or "") for r in rows]
    return all(values) and len(set(values)) == len(values)


def _moment(value: Any, path: Path, number: int, column: str) -> str:
    try:
        moment = datetime.fromisoformat(str(value).strip().replace("Z", "+00:00"))
    except ValueError:
        raise WorkbenchError(f"--date-col: {path} row {number}: {column}={value!r} is not an ISO date/time") from None
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
