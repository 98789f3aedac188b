"""Reading labelled files (CSV or JSON lines) with clear errors for missing columns and bad rows."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from core.errors import VocError


class DataError(VocError, ValueError):
    """A training or evaluation file that cannot be used as given."""


@dataclass
class LabelledData:
    texts: list[str]
    labels: list[str]
    extra: dict[str, list[str]]
    dropped: dict[str, int]


def read_labelled(path: Path, text_col: str, label_col: str, *, extra_cols: tuple[str, ...] = (),
                  label_map: dict[str, str] | None = None, keep_labels: set[str] | None = None) -> LabelledData:
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix == ".jsonl":
        rows = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
        columns = set().union(*(row.keys() for row in rows)) if rows else set()
    else:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            columns = set(reader.fieldnames or [])
            rows = list(reader)
    missing = [c for c in (text_col, label_col, *extra_cols) if c and c not in columns]
    if missing:
        raise DataError(f"{path}: missing column(s) {missing}; the file has {sorted(columns)}")
    texts, labels, extra = [], [], {c: [] for c in extra_cols if c}
    dropped: Counter = Counter()
    for row in rows:
        text = str(row.get(text_col) or "").strip()
        label = str(row.get(label_col) or "").strip()
        if label_map:
            label = label_map.get(label, label)
        if not text:
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
            extra[column].append(str(row.get(column) or ""))
    if not texts:
        raise DataError(f"{path}: no usable rows ({dict(dropped)})")
    return LabelledData(texts, labels, extra, dict(dropped))
