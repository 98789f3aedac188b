"""Snapshots: a store written out as a folder of plain files, and read back.

    <snapshot>/manifest.json                  format, dimension, points and parts per table
    <snapshot>/<table>/part-00000.npy         float32 vectors, one row per point
    <snapshot>/<table>/part-00000.jsonl       {"point": uuid, "payload": {...}} per row

The same format serves both backends, so a snapshot of the embedded store restores into
a Qdrant server (the way to move to one). The folder appears only once complete. A restore
is all or nothing: the store's contents are first written out as a snapshot too, and put
back when the restore fails midway.
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
from store.checks import check_json, check_vectors
from store.errors import SnapshotError, StoreError
from store.records import CREATED_TS, DOC_KEY, ID_KEY, KEYWORD_FIELDS, message_from_payload, point_id

FORMAT = "voc-radar-store-snapshot/1"
PAGE = 8192


def write_snapshot(tables: Mapping[str, Collection], destination: Path, dimension: int) -> Path:
    destination = Path(destination)
    if destination.exists():
        raise SnapshotError(f"{destination} already exists; snapshots never overwrite")
    partial = destination.with_name(destination.name + ".partial")
    try:
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        summary = {table: _write_table(collection, partial / table) for table, collection in tables.items()}
        manifest = {
            "format": FORMAT,
            "dimension": dimension,
            "created_at": datetime.now(UTC).isoformat(),
            "tables": summary,
        }
        (partial / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial.rename(destination)
    except OSError as error:
        shutil.rmtree(partial, ignore_errors=True)
        raise SnapshotError(f"cannot write the snapshot {destination}: {error.strerror or error}") from error
    except BaseException:  # the engine or the server failed mid-way: leave no partial folder behind
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return destination


def _write_table(collection: Collection, folder: Path) -> dict[str, int]:
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
    return {"points": points, "parts": parts}


def describe_snapshot(folder: Path) -> dict[str, Any]:
    """A snapshot folder's name, path, time of writing and points per table, from its manifest."""
    folder = Path(folder)
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        tables = manifest["tables"]
        return {"name": folder.name, "path": str(folder), "created_at": str(manifest.get("created_at", "")),
                "points": {str(table): int(info["points"]) for table, info in tables.items()}}
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise SnapshotError(f"{folder} is not a store snapshot: {error}") from None


def read_manifest(source: Path, dimension: int, tables: set[str]) -> dict[str, Any]:
    """The manifest, once every part it lists is present and matches the dimension."""
    source = Path(source)
    try:
        manifest = json.loads((source / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise SnapshotError(f"{source} is not a store snapshot: {error}") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else manifest
        raise SnapshotError(f"{source}: unknown snapshot format {found!r:.80}")
    if manifest.get("dimension") != dimension:
        raise SnapshotError(f"{source} holds vectors of dimension {manifest.get('dimension')!r}, not {dimension}")
    listed = manifest.get("tables")
    if not isinstance(listed, dict) or set(listed) != tables:
        names = sorted(listed) if isinstance(listed, dict) else listed
        raise SnapshotError(f"{source}: the manifest lists the tables {names!r:.200}, expected {sorted(tables)}")
    for table, info in listed.items():
        if not (isinstance(info, dict) and all(_count(info.get(key)) for key in ("points", "parts"))):
            raise SnapshotError(f"{source}: the manifest's entry for {table} is not {{points, parts}}: {info!r:.200}")
        for part in range(info["parts"]):
            for suffix in (".npy", ".jsonl"):
                if not (source / table / f"part-{part:05d}{suffix}").is_file():
                    raise SnapshotError(f"{source}: part {part} of {table} is missing ({suffix})")
    return manifest


def check_table(source: Path, table: str, info: Mapping[str, int], dimension: int) -> None:
    """Read every part of a table through once: a damaged part is found before anything is deleted."""
    points = sum(len(ids) for ids, _, _ in read_parts(source, table, info["parts"], dimension, readable=True))
    if points != info["points"]:
        raise SnapshotError(f"{source}: {table} has {points} points, but the manifest says {info['points']}")


def read_parts(
    source: Path, table: str, parts: int, dimension: int, readable: bool = False
) -> Iterator[tuple[list[str], np.ndarray, list[dict]]]:
    """Each part's point ids, vectors and payloads, checked (SnapshotError naming the file otherwise).

    ``readable``: also read every message back as the store would (about 15 µs a row, so only
    the checking pass does it)."""
    for part in range(parts):
        stem = Path(source) / table / f"part-{part:05d}"
        try:
            loaded = np.load(stem.with_suffix(".npy"), allow_pickle=False)
            lines = stem.with_suffix(".jsonl").read_text(encoding="utf-8").splitlines()
            rows = [_row(line, number, table, readable) for number, line in enumerate(lines, start=1)]
        except (OSError, ValueError, EOFError, StoreError) as error:  # ValueError: bad npy, JSON, UTF-8
            raise SnapshotError(f"{stem}: damaged: {error}") from None
        if loaded.ndim != 2 or len(rows) != len(loaded):
            raise SnapshotError(f"{stem}: {len(rows)} payloads for vectors of shape {loaded.shape}")
        try:
            vectors = check_vectors(loaded, len(rows), dimension)
        except StoreError as error:
            raise SnapshotError(f"{stem}: damaged: {error}") from None
        yield [point for point, _ in rows], vectors, [payload for _, payload in rows]


def _row(line: str, number: int, table: str, readable: bool) -> tuple[str, dict[str, Any]]:
    row = json.loads(line)
    payload = row.get("payload") if isinstance(row, dict) else None
    if not isinstance(payload, dict) or not isinstance(payload.get(ID_KEY), str):
        raise ValueError(f"line {number} is not {{point, payload}} with the payload's {ID_KEY!r}")
    if row.get("point") != point_id(payload[ID_KEY]):
        raise ValueError(f"line {number}: point {row.get('point')!r} is not the point of id {payload[ID_KEY]!r}")
    if table == "messages":
        _check_message(payload, number, readable)
    check_json([payload], [payload[ID_KEY]])  # e.g. a lone surrogate, which no engine stores
    return row["point"], payload


def _check_message(payload: dict[str, Any], number: int, readable: bool) -> None:
    """A message row the store can read back: restored, a broken one would fail every later read."""
    if not (isinstance(payload.get(DOC_KEY), str) and isinstance(payload.get(CREATED_TS), int | float)):
        raise ValueError(f"line {number}: message {payload[ID_KEY]!r} lacks its {DOC_KEY!r} or {CREATED_TS!r}")
    wrong = [name for name in KEYWORD_FIELDS if not isinstance(payload.get(name), str | None)]
    if wrong:
        raise ValueError(f"line {number}: message {payload[ID_KEY]!r}: {wrong} must be strings")
    if not readable:
        return
    try:
        message_from_payload(payload)
    except (KeyError, TypeError, ValueError) as error:
        problem = f"{type(error).__name__} {error}"
        raise ValueError(f"line {number}: message {payload[ID_KEY]!r} cannot be read: {problem}") from None


def _count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def restore_snapshot(tables: Mapping[str, Collection], source: Path, dimension: int,
                     previous: Path) -> dict[str, int]:
    """Replace every table's contents with the snapshot's, all or nothing; points per table.

    The snapshot is read through once before anything changes (SnapshotError if damaged). The
    tables' contents are then written to ``previous`` (a snapshot folder that must not exist),
    and put back from there if the restore fails midway, whatever stopped it (the engine, the
    server, the snapshot's files, Ctrl+C); the error is raised once they are back. ``previous``
    is removed afterwards, unless putting the contents back failed too: then a SnapshotError
    says to restore it.
    """
    manifest = read_manifest(source, dimension, set(tables))
    for table, info in manifest["tables"].items():
        check_table(source, table, info, dimension)
    if previous.exists():
        raise SnapshotError(f"{previous} exists: it may hold what a restore that failed could not put back; "
                            "restore it, or move it away, before restoring again")
    try:
        write_snapshot(tables, previous, dimension)
    except SnapshotError as error:
        raise SnapshotError(f"{error}; a restore first keeps the store's contents there, to put them back "
                            "if it fails: name another folder for them") from None
    try:
        restored = _replace_contents(tables, source, manifest, dimension)
    except BaseException as error:
        _put_back(tables, previous, dimension, f"restoring {source} failed ({type(error).__name__}: {error})")
        raise
    shutil.rmtree(previous, ignore_errors=True)
    return restored


def _put_back(tables: Mapping[str, Collection], previous: Path, dimension: int, failure: str) -> None:
    """The contents written to ``previous`` back in the tables, and the folder removed; when that
    fails too, the folder is kept and the error says so."""
    try:
        _replace_contents(tables, previous, read_manifest(previous, dimension, set(tables)), dimension)
    except BaseException as error:
        kept = (f"{failure}, and so did putting the previous contents back ({type(error).__name__}: {error}); "
                f"they are kept in {previous}: restore that")
        if not isinstance(error, Exception):  # Ctrl+C again: stop, but say where the contents are
            error.add_note(kept)
            raise
        raise SnapshotError(kept) from error
    shutil.rmtree(previous, ignore_errors=True)


def _replace_contents(tables: Mapping[str, Collection], source: Path, manifest: Mapping[str, Any],
                      dimension: int) -> dict[str, int]:
    restored: dict[str, int] = {}
    for table, info in manifest["tables"].items():
        collection = tables[table]
        clear(collection)
        total = 0
        for ids, vectors, payloads in read_parts(source, table, info["parts"], dimension):
            collection.upsert(ids, vectors, payloads)
            total += len(ids)
        restored[table] = total
    return restored


def clear(collection: Collection) -> None:
    """Delete every point of a collection, one page at a time."""
    for page in collection.scroll((), PAGE, False, ()):
        collection.delete(page.ids)
