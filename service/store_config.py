"""Opening the store the settings describe; a Qdrant server still starting is waited for."""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from core.settings import Settings
from store import BackendError, Store, holding_store_lock, open_store

log = logging.getLogger("voc.store")
RETRY_EVERY_S = 1.0
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class StoreUnavailableAtStartup(RuntimeError):
    """The configured Qdrant server did not answer within ``store_startup_wait_s``."""


class StartupInterrupted(KeyboardInterrupt):
    """SIGINT (Ctrl+C) or SIGTERM arrived while start-up waited for the store; the retries stopped.

    A KeyboardInterrupt, so that no ``except Exception`` on its way out swallows it."""


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
    with stopped_by_signals(f"Qdrant at {settings.qdrant_url}"):
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


@contextmanager
def stopped_by_signals(waiting_for: str) -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise StartupInterrupted at once, out of a sleep too.

    A server may have set handlers that only take note of the signal (uvicorn does, for a graceful
    shutdown) and read that note only once start-up is over: a start-up waiting for the store
    would go on retrying after Ctrl+C. The previous handlers come back when the block ends; a
    signal that was ignored stays ignored. Only the main thread can set handlers: elsewhere the
    block runs as it is."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, frame: object) -> None:
        name = signal.Signals(signum).name
        log.warning("%s received while waiting for %s: start-up stops, no more retries", name, waiting_for)
        # from None: not "during handling of" the connection error the wait follows
        raise StartupInterrupted(f"{name} received while waiting for {waiting_for}; start-up stopped") from None

    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    for sig, handler in previous.items():
        if handler is not signal.SIG_IGN:
            signal.signal(sig, stop)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            if handler is not signal.SIG_IGN and handler is not None:  # None: set outside Python, left as is
                signal.signal(sig, handler)
