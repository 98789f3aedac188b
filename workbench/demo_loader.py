"""`voc demo`: a fresh store filled through the normal per-message pipeline, then one clustering run.

The data folder must be new, empty or an earlier demo (marked by ``demo.json``); an earlier
demo is replaced once the messages, the folder, the model and the analyser are ready, and
never while another process (a running service) has its store open. Nothing else is ever
deleted. The same messages give the same run: the clustering window ends with the data.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from store import holding_store_lock
from topics.taxonomy import DEFAULT_TAXONOMY
from workbench.errors import WorkbenchError

MARKER = "demo.json"
STORE = "store"  # the embedded store's folder inside the data folder
BATCH = 32


def check_folder(data_dir: Path) -> None:
    """Refuse, changing nothing, a folder that is not new, empty or an earlier demo, and an earlier
    demo whose store another process (a running service) has open."""
    data_dir = Path(data_dir)
    if data_dir.exists() and not data_dir.is_dir():
        raise WorkbenchError(f"--data-dir: {data_dir} is a file; give a folder for the demo store")
    if not data_dir.is_dir() or not any(data_dir.iterdir()):
        return
    if not (data_dir / MARKER).is_file():
        raise WorkbenchError(f"--data-dir: {data_dir} is not empty and not a demo folder; choose another folder "
                             "(the demo never overwrites a real store)")
    if (data_dir / STORE).is_dir():
        with holding_store_lock(data_dir / STORE):
            pass


def staging_folder(data_dir: Path) -> Path:
    """A new hidden folder beside ``data_dir`` where the demo is built; it becomes ``data_dir`` only once
    complete (see `put_in_place`), so an interrupted or failed load leaves the earlier demo as it was."""
    data_dir = Path(data_dir).absolute()
    data_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = data_dir.parent / f".{data_dir.name}.loading-{os.getpid()}-{secrets.token_hex(4)}"
    staging.mkdir()  # with the umask's permissions, as the folder it becomes
    (staging / MARKER).write_text('{"demo": true, "complete": false}\n', encoding="utf-8")
    return staging


def put_in_place(staging: Path, data_dir: Path) -> None:
    """The complete demo in ``staging`` becomes ``data_dir``: an earlier demo there is removed first (holding
    its store's lock meanwhile, so that no process opens it half deleted); any other folder is refused."""
    data_dir = Path(data_dir)
    check_folder(data_dir)
    if data_dir.is_dir():
        store = data_dir / STORE
        with holding_store_lock(store) if store.is_dir() else nullcontext():
            shutil.rmtree(data_dir)
    staging.rename(data_dir)


def demo_window(dates: list[datetime]) -> tuple[datetime, datetime]:
    """The clustering window: from just before the first message to just after the last one, so
    that the same messages give the same run (statuses included) whenever the demo is loaded."""
    if not dates:
        now = datetime.now(UTC)
        return now - timedelta(days=42), now
    return min(dates) - timedelta(seconds=1), max(dates) + timedelta(seconds=1)


def load_demo(data_dir: Path, rows: list[dict[str, Any]], *, model: str = "e5-small",
              models_dir: Path = Path("var/models"), taxonomy: Path | None = None, min_cluster_size: int = 10,
              log: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Analyse and store ``rows`` (message bodies) into a fresh store under ``data_dir``, then cluster them.

    The rows, the folder, the model and the analyser are checked before an earlier demo there is replaced."""
    from pydantic import ValidationError

    from analysis.factory import build_analyzer
    from embeddings.loader import load_embedder
    from service.schemas.messages import MessageCreate

    started = time.perf_counter()
    bodies, rejected = [], []
    for index, row in enumerate(rows):
        try:
            bodies.append(MessageCreate.model_validate(row))
        except ValidationError as error:
            rejected.append({"index": index, "id": row.get("id"), "detail": f"{row.get('id')}: " + "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())})
    if len(bodies) < min_cluster_size:
        raise WorkbenchError(f"{len(bodies)} usable messages; at least {min_cluster_size} are needed to cluster")
    check_folder(data_dir)
    log(f"loading the model {model}")
    embedder = load_embedder(model, models_dir)
    # the fresh folder holds no edited taxonomy: the given one, else the shipped one
    analyzer = build_analyzer(embedder, model_name=embedder.name, taxonomy_path=taxonomy or DEFAULT_TAXONOMY)
    staging = staging_folder(data_dir)
    try:
        summary = _load(staging, bodies, rejected, embedder, analyzer, started, min_cluster_size, log)
        put_in_place(staging, data_dir)
    except BaseException:  # Ctrl+C included: nothing half-built is left
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return summary


def _load(data_dir: Path, bodies: list, rejected: list[dict[str, Any]], embedder: Any, analyzer: Any,
          started: float, min_cluster_size: int, log: Callable[[str], None]) -> dict[str, Any]:
    from jobs import ReclusterSettings, run_recluster
    from service.ingest import ConflictError, ingest
    from store import open_store

    if rejected:
        log(f"{len(rejected)} rows left out, not valid messages; the first: {rejected[0]['detail']}")
    stored = 0
    with open_store("embedded", path=Path(data_dir) / STORE, dimension=embedder.dimension) as store:
        analyzer = replace(analyzer, history=store.messages)
        loaded = time.perf_counter()
        for start in range(0, len(bodies), BATCH):
            outcomes = ingest(analyzer, store, bodies[start : start + BATCH])
            stored += sum(not isinstance(o, ConflictError) for o in outcomes)
            log(f"analysed {min(start + BATCH, len(bodies))}/{len(bodies)} messages")
        analysed = time.perf_counter()
        since, until = demo_window([b.created_at for b in bodies if b.created_at])
        log(f"clustering {stored} messages from {since.date()} to {until.date()}")
        report = run_recluster(store, Path(data_dir) / "clusters", since, until,
                               ReclusterSettings(min_cluster_size=min_cluster_size), log=log)
    summary = {
        "demo": True, "complete": True, "messages": stored, "rejected": rejected[:20], "rejected_count": len(rejected),
        "model": embedder.name, "run_id": report["run_id"], "clusters": report["clusters"],
        "noise_share": report["noise_share"], "statuses": report["statuses"],
        "window": [since.isoformat(), until.isoformat()],
        "seconds": {"model_and_analyser": round(loaded - started, 1), "analysis": round(analysed - loaded, 1),
                    "clustering": round(time.perf_counter() - analysed, 1),
                    "total": round(time.perf_counter() - started, 1)},
    }
    (Path(data_dir) / MARKER).write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    return summary
