"""Backups of the store while the service runs (admin scope).

The service holds the embedded store, so an online backup goes through it: each one is a
snapshot folder under ``VOC_DATA_DIR/backups`` named by its UTC time, written while ingest
waits (a consistent copy of every table). Restoring replaces everything the service serves,
so it is done with the service stopped: ``voc store restore FOLDER``.
"""

from __future__ import annotations

import logging
import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Response
from pydantic import BaseModel

from service.auth import AdminScope
from service.deps import SettingsDep, StoreDep

router = APIRouter(prefix="/v1/admin", tags=["backups"])
logger = logging.getLogger("voc.backups")
BACKUPS = "backups"  # beside the store, under VOC_DATA_DIR


class Backup(BaseModel):
    name: str
    path: str
    created_at: str
    points: dict[str, int]


class BackupTaken(Backup):
    seconds: float


def backups_folder(data_dir: Path) -> Path:
    return Path(data_dir) / BACKUPS


@router.post("/backups", dependencies=[AdminScope], response_model=BackupTaken, status_code=201,
             summary="Back the store up now (ingest waits while it is written)",
             responses={507: {"description": "the backup could not be written (disk full, permissions)"}})
def take_backup(store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    from store import SnapshotError, describe_snapshot

    folder = backups_folder(settings.data_dir)
    started = time.perf_counter()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = store.backup(_free_name(folder))
    except (OSError, SnapshotError) as error:
        raise HTTPException(507, f"the backup could not be written: {error}") from None
    taken = {**describe_snapshot(written), "seconds": round(time.perf_counter() - started, 3)}
    logger.info("backup %s written in %.1f s: %s", taken["name"], taken["seconds"], taken["points"])
    return taken


@router.get("/backups", dependencies=[AdminScope], response_model=list[Backup],
            summary="The backups taken so far, newest first")
def list_backups(settings: SettingsDep) -> list[dict[str, Any]]:
    from store import SnapshotError, describe_snapshot

    found = []
    for entry in _backups(settings.data_dir):
        try:
            found.append(describe_snapshot(entry))
        except SnapshotError as error:  # a damaged manifest: left out of the list, named in the log
            logger.warning("backup %s left out of the list: %s", entry.name, error)
    return sorted(found, key=lambda backup: backup["name"], reverse=True)


@router.delete("/backups/{name}", dependencies=[AdminScope], status_code=204,
               responses={404: {"description": "no backup of that name"}},
               summary="Delete a backup (one of those GET /v1/admin/backups lists)")
def delete_backup(name: str, settings: SettingsDep) -> Response:
    known = {entry.name: entry for entry in _backups(settings.data_dir)}
    if name not in known:  # only a listed backup's own name: no path reaches outside the folder
        raise HTTPException(404, f"no backup named {name!r} in {backups_folder(settings.data_dir)}")
    shutil.rmtree(known[name])
    logger.info("backup %s deleted", name)
    return Response(status_code=204)


def _backups(data_dir: Path) -> list[Path]:
    """The complete backups (folders with a manifest) under the data folder."""
    folder = backups_folder(data_dir)
    if not folder.is_dir():
        return []
    return [entry for entry in folder.iterdir()
            if entry.is_dir() and not entry.is_symlink() and (entry / "manifest.json").is_file()]


def _free_name(folder: Path) -> Path:
    """``folder/<UTC time>``, with a suffix when a backup of the same second exists."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    candidate, number = folder / stamp, 1
    while candidate.exists() or candidate.with_name(candidate.name + ".partial").exists():
        number += 1
        candidate = folder / f"{stamp}-{number}"
    return candidate
