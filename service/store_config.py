"""Opening the store the settings describe."""

from __future__ import annotations

from core.settings import Settings
from store import Store, open_store


def open_configured_store(settings: Settings, dimension: int) -> Store:
    if settings.store_backend == "server":
        return open_store(
            "server",
            dimension=dimension,
            url=settings.qdrant_url,
            api_key=settings.qdrant_api_key,
            shards=settings.qdrant_shards,
            replication_factor=settings.qdrant_replication_factor,
            write_consistency=settings.qdrant_write_consistency,
        )
    return open_store("embedded", dimension=dimension, path=settings.data_dir / "store")
