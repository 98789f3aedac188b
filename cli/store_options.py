"""Store, model and folder options shared by the commands that open the store themselves.

Each option defaults to the VOC_* setting the service uses (`core.settings`), so a job in
the same environment as the service opens the same store; the Qdrant API key is read from
VOC_QDRANT_API_KEY only, never from a flag (it would show in the process list).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

DataDir = Annotated[Path | None, typer.Option(
    help="Data folder: the embedded store in DATA_DIR/store, cluster runs in DATA_DIR/clusters. "
         "Default: VOC_DATA_DIR.", show_default=False)]
ModelsDir = Annotated[Path | None, typer.Option(help="Where built model folders live. Default: VOC_MODELS_DIR.",
                                                show_default=False)]
Model = Annotated[str | None, typer.Option(help="Embedding model of the store (its dimension). Default: VOC_MODEL.",
                                           show_default=False)]
StoreBackend = Annotated[str | None, typer.Option(help="embedded or server. Default: VOC_STORE_BACKEND.",
                                                  show_default=False)]
QdrantUrl = Annotated[str | None, typer.Option(
    help="Qdrant server URL (server backend). Default: VOC_QDRANT_URL; the API key is read from "
         "VOC_QDRANT_API_KEY only.", show_default=False)]


@dataclass(frozen=True)
class StoreTarget:
    data_dir: Path
    model_folder: Path
    backend: str
    options: dict[str, Any]
    taxonomy: Path | None


def store_target(data_dir: Path | None, models_dir: Path | None, model: str | None, store_backend: str | None,
                 qdrant_url: str | None) -> StoreTarget:
    """What the flags name, the VOC_* settings filling in whatever they leave out."""
    from core.settings import get_settings
    from embeddings.model_folder import resolve_model_folder

    configured = get_settings()
    data_dir = data_dir or configured.data_dir
    backend = store_backend or configured.store_backend
    options: dict[str, Any] = ({"path": data_dir / "store"} if backend == "embedded" else {
        "url": qdrant_url or configured.qdrant_url, "api_key": configured.qdrant_api_key,
        "shards": configured.qdrant_shards, "replication_factor": configured.qdrant_replication_factor,
        "write_consistency": configured.qdrant_write_consistency})
    options["quantization"] = configured.store_quantization
    options["search_ef"] = configured.store_search_ef
    folder = resolve_model_folder(model or configured.model, models_dir or configured.models_dir)
    return StoreTarget(data_dir, folder, backend, options, configured.taxonomy)
