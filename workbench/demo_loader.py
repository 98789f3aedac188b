"""`voc demo`: a fresh store filled through the normal per-message pipeline, then one clustering run.

The data folder must be new, empty or an earlier demo (marked by ``demo.json``); an earlier
demo is replaced. Nothing else is ever deleted.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from workbench.errors import WorkbenchError
from workbench.paths import active_taxonomy

MARKER = "demo.json"
BATCH = 32


def prepare_folder(data_dir: Path) -> None:
    data_dir = Path(data_dir)
    if data_dir.exists() and any(data_dir.iterdir()):
        if not (data_dir / MARKER).is_file():
            raise WorkbenchError(f"--data-dir: {data_dir} is not empty and not a demo folder; choose another folder "
                                 "(the demo never overwrites a real store)")
        shutil.rmtree(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / MARKER).write_text('{"demo": true, "complete": false}\n', encoding="utf-8")


def load_demo(data_dir: Path, rows: list[dict[str, Any]], *, model: str = "e5-small",
              models_dir: Path = Path("var/models"), taxonomy: Path | None = None, min_cluster_size: int = 10,
              log: Callable[[str], None] = lambda _: None) -> dict[str, Any]:
    """Analyse and store ``rows`` (message bodies) into a fresh store under ``data_dir``, then cluster them."""
    from pydantic import ValidationError

    from analysis.factory import build_analyzer
    from embeddings.loader import load_embedder
    from jobs import ReclusterSettings, run_recluster
    from service.ingest import ConflictError, ingest
    from service.schemas.messages import MessageCreate
    from store import open_store

    started = time.perf_counter()
    prepare_folder(data_dir)
    bodies, rejected = [], []
    for index, row in enumerate(rows):
        try:
            bodies.append(MessageCreate.model_validate(row))
        except ValidationError as error:
            rejected.append({"index": index, "detail": "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())})
    if len(bodies) < min_cluster_size:
        raise WorkbenchError(f"{len(bodies)} usable messages; at least {min_cluster_size} are needed to cluster")
    log(f"loading the model {model}")
    embedder = load_embedder(model, models_dir)
    stored = 0
    with open_store("embedded", path=Path(data_dir) / "store", dimension=embedder.dimension) as store:
        analyzer = build_analyzer(embedder, model_name=embedder.name,
                                  taxonomy_path=active_taxonomy(taxonomy, Path(data_dir)), history=store.messages)
        loaded = time.perf_counter()
        for start in range(0, len(bodies), BATCH):
            outcomes = ingest(analyzer, store, bodies[start : start + BATCH])
            stored += sum(not isinstance(o, ConflictError) for o in outcomes)
            log(f"analysed {min(start + BATCH, len(bodies))}/{len(bodies)} messages")
        analysed = time.perf_counter()
        dates = [b.created_at for b in bodies if b.created_at]
        since = min(dates) - timedelta(seconds=1) if dates else datetime.now(UTC) - timedelta(days=42)
        until = max(datetime.now(UTC), max(dates) + timedelta(seconds=1)) if dates else datetime.now(UTC)
        if dates and max(dates) < datetime.now(UTC) - timedelta(days=7):
            until = max(dates) + timedelta(seconds=1)  # historical data: the window ends with the data
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
