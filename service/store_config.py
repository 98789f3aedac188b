"""Opening the store the settings describe; a Qdrant server still starting is waited for."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path

from core.settings import Settings
from store import BackendError, Store, holding_store_lock, open_store

log = logging.getLogger("voc.store")
RETRY_EVERY_S = 1.0


class StoreUnavailableAtStartup(RuntimeError):
    """The configured Qdrant server did not answer within ``store_startup_wait_s``."""


def embedded_store_path(settings: Settings) -> Path:
    return settings.data_dir / "store"


def check_embedded_store_free(settings: Settings) -> None:
    """StoreLockedError now when another process holds the embedded store the settings name, so a
    service that cannot open it says so before it starts (and before it loads its models)."""
    path = embedded_store_path(settings)
    if settings.store_backend != "server" and path.is_dir():
        with holding_store_lock(path):
            pass


def open_configured_store(settings: Settings, dimension: int, *, sleep: Callable[[float], None] = time.sleep,
                          clock: Callable[[], float] = time.monotonic) -> Store:
    if settings.store_backend != "server":
        return open_store("embedded", dimension=dimension, path=embedded_store_path(settings),
                          quantization=settings.store_quantization, search_ef=settings.store_search_ef)
    deadline, attempt = clock() + settings.store_startup_wait_s, 0
    while True:
        attempt += 1
        try:
            return open_store(
                "server",
                dimension=dimension,
                url=settings.qdrant_url,
                api_key=settings.qdrant_api_key,
                shards=settings.qdrant_shards,
                replication_factor=settings.qdrant_replication_factor,
                write_consistency=settings.qdrant_write_consistency,
                quantization=settings.store_quantization,
                search_ef=settings.store_search_ef,
            )
        except BackendError as error:
            left = deadline - clock()
            if left <= 0:
                raise StoreUnavailableAtStartup(
                    f"Qdrant at {settings.qdrant_url} did not answer in {settings.store_startup_wait_s:g} s "
                    f"({attempt} attempts; last: {error}); check VOC_QDRANT_URL and that the server is up, "
                    "or raise VOC_STORE_STARTUP_WAIT_S"
                ) from None
            log.warning("Qdrant at %s is not reachable yet (attempt %d: %s); retrying for %.0f s more",
                        settings.qdrant_url, attempt, error, left)
            sleep(min(RETRY_EVERY_S, left))
