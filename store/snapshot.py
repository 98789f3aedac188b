"""Snapshots: a store written out as a folder of plain files, and read back.

    <snapshot>/manifest.json                  format, dimension, points and parts per table
    <snapshot>/<table>/part-00000.npy         float32 vectors, one row per point
    <snapshot>/<table>/part-00000.jsonl       {"point": uuid, "payload": {...}} per row

The same format serves both backends, so a snapshot of the embedded store restores into
a Qdrant server (the way to move to one). The folder appears only once complete.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from store.backend import Collection
from store.errors import SnapshotError

FORMAT = "voc-radar-store-snapshot/1"
PAGE = 8192


def write_snapshot(tables: Mapping[str, Collection], destination: Path, dimension: int) -> Path:
    destination = Path(destination)
    if destination.exists():
        raise SnapshotError(f"{destination} already exists; snapshots never overwrite")
    partial = destination.with_name(destination.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    summary: dict[str, Any] = {}
    for table, collection in tables.items():
        folder = partial / table
        folder.mkdir()
        points = parts = 0
        for page in collection.scroll((), PAGE, True, None):
            stem = folder / f"part-{parts:05d}"
            np.save(stem.with_suffix(".npy"), np.asarray(page.vectors, dtype=np.float32))
            with stem.with_suffix(".jsonl").open("w", encoding="utf-8") as lines:
                for pid, payload in zip(page.ids, page.payloads, strict=True):
                    lines.write(json.dumps({"point": pid, "payload": payload}) + "\n")
            points += len(page)
            parts += 1
        summary[table] = {"points": points, "parts": parts}
    manifest = {
        "format": FORMAT,
        "dimension": dimension,
        "created_at": datetime.now(UTC).isoformat(),
        "tables": summary,
    }
    (partial / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    partial.rename(destination)
    return destination


def read_manifest(source: Path, dimension: int, tables: set[str]) -> dict[str, Any]:
    """The manifest, once every part it lists is present and matches the dimension."""
    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{source} is not a store snapshot: {error}") from None
    if manifest.get("format") != FORMAT:
        raise SnapshotError(f"{source}: unknown snapshot format {manifest.get('format')!r}")
    if manifest.get("dimension") != dimension:
        raise SnapshotError(f"{source} holds vectors of dimension {manifest.get('dimension')}, not {dimension}")
    unknown = set(manifest["tables"]) - tables
    if unknown:
        raise SnapshotError(f"{source}: unknown tables {sorted(unknown)}")
    for table, info in manifest["tables"].items():
        for part in range(info["parts"]):
            for suffix in (".npy", ".jsonl"):
                if not (source / table / f"part-{part:05d}{suffix}").is_file():
                    raise SnapshotError(f"{source}: part {part} of {table} is missing ({suffix})")
    return manifest


def read_parts(source: Path, table: str, parts: int) -> Iterator[tuple[list[str], np.ndarray, list[dict]]]:
    for part in range(parts):
        stem = Path(source) / table / f"part-{part:05d}"
        vectors = np.load(stem.with_suffix(".npy"))
        rows = [json.loads(line) for line in stem.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()]
        if len(rows) != len(vectors):
            raise SnapshotError(f"{stem}: {len(rows)} payloads for {len(vectors)} vectors")
        yield [row["point"] for row in rows], vectors, [row["payload"] for row in rows]


def clear(collection: Collection) -> None:
    """Delete every point of a collection, one page at a time."""
    for page in collection.scroll((), PAGE, False, ()):
        collection.delete(page.ids)
