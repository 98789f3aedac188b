"""Labelled messages from a CSV or JSON-lines file, with clear errors for missing columns and bad rows."""

from __future__ import annotations

import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidTextError
from core.text import clean_text
from training.tabular import DataError, read_rows

__all__ = ["DataError", "LabelledData", "read_labelled"]

MISSING_MARKS = ("nan", "NaN")  # what pandas writes for a missing value turned into text


@dataclass
class LabelledData:
    texts: list[str]
    labels: list[str]
    extra: dict[str, list[str]]
    dropped: dict[str, int]
    unmatched_map: tuple[str, ...] = ()

    def warnings(self) -> list[str]:
        """One ``warning:`` line per reason rows were left out, and one for label-map entries no row has."""
        lines = [f"warning: dropped {number} rows ({reason})" for reason, number in self.dropped.items()]
        if self.unmatched_map:
            lines.append(f"warning: --label-map {', '.join(self.unmatched_map)} matched no label of the file")
        return lines


def read_labelled(path: Path, text_col: str, label_col: str, *, extra_cols: tuple[str, ...] = (),
                  label_map: dict[str, str] | None = None, keep_labels: set[str] | None = None) -> LabelledData:
    path = Path(path)
    if text_col == label_col:
        raise DataError(f"--text-col and --label-col are both {text_col!r}: the label must be another column")
    columns, rows = read_rows(path)
    missing = [c for c in (text_col, label_col, *extra_cols) if c is not None and c not in columns]
    if missing:
        separator = next((s for s in (";", "\t") if len(columns) == 1 and s in columns[0]), None)
        hint = f" (separated by {separator!r}, not commas: save it as comma-separated CSV)" if separator else ""
        hint += _near_names(missing, columns)
        raise DataError(f"{path}: missing column(s) {missing}; the file has {columns}{hint}")
    texts: list[str] = []
    labels: list[str] = []
    extra: dict[str, list[str]] = {c: [] for c in extra_cols if c}
    dropped: Counter = Counter()
    seen: set[str] = set()
    for row in rows:
        text = _cell(row, text_col)
        label = _cell(row, label_col)
        if text is None or label is None:
            dropped[f"{text_col if text is None else label_col} is a JSON list or object, not text"] += 1
            continue
        if label_map:
            seen.add(label)
            label = label_map.get(label, label)
        if reason := _missing_value({text_col: text, label_col: label}):
            dropped[reason] += 1
            continue
        if not _has_content(text):
            dropped["empty text"] += 1
            continue
        if not label:
            dropped["empty label"] += 1
            continue
        if keep_labels is not None and label not in keep_labels:
            dropped[f"label {label!r} not used"] += 1
            continue
        texts.append(text)
        labels.append(label)
        for column in extra:
            extra[column].append(_cell(row, column) or "")
    if not texts:
        reasons = ", ".join(f"{number} with {reason}" for reason, number in dropped.items())
        kept = (f"; the labels must be {', '.join(sorted(keep_labels))}: map the file's own with --label-map FROM=TO"
                if keep_labels is not None and any(reason.endswith(" not used") for reason in dropped) else "")
        raise DataError(f"{path}: no usable rows: all {len(rows)} data rows were left out ({reasons}){kept}")
    unmatched = tuple(f"{source}={target}" for source, target in (label_map or {}).items() if source not in seen)
    return LabelledData(texts, labels, extra, dict(dropped), unmatched)


def _near_names(missing: list[str], columns: list[str]) -> str:
    """``; did you mean ' Label'?`` for missing names that a column of the file matches but for case and
    surrounding spaces (an Excel header, a hand-typed option); empty when none does."""
    near = [column for name in missing for column in columns
            if column != name and column.strip().casefold() == name.strip().casefold()]
    return f"; did you mean {' / '.join(repr(column) for column in near)}?" if near else ""


def _cell(row: dict, column: str) -> str | None:
    """A cell as stripped text; a missing cell, JSON null or NaN is empty (a JSON 0 or false is not);
    None for a JSON list or object, which is no text."""
    value = row.get(column)
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if isinstance(value, list | dict):
        return None
    if isinstance(value, bool):
        return json.dumps(value)  # "true", as a CSV file would say, not Python's "True"
    return str(value).strip()


def _missing_value(cells: dict[str, str]) -> str | None:
    """Why a row is left out when one of its cells is pandas' mark of a missing value, else None."""
    return next((f"{column} is {value!r}, a missing value" for column, value in cells.items()
                 if value in MISSING_MARKS), None)


def _has_content(text: str) -> bool:
    """False for a text the embedder would refuse: empty once invisible characters are removed."""
    try:
        clean_text(text)
    except InvalidTextError:
        return False
    return True
