"""`open_store`: the one place that chooses the backend, from plain arguments."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from store.backend import Backend
from store.store import Store, check_layout


def open_store(
    backend: Literal["embedded", "server"] = "embedded",
    *,
    dimension: int,
    path: str | Path | None = None,
    url: str | None = None,
    api_key: str | None = None,
    shards: int = 1,
    replication_factor: int = 1,
    write_consistency: int = 1,
    prefix: str = "voc",
    timeout: int | None = None,
    quantization: Literal["int8", "none"] = "int8",
    search_ef: int | None = None,
    create: bool = True,
) -> Store:
    """Open (creating if needed) the store.

    embedded: the Qdrant engine in this process, on disk under `path`; only one process
        may open a path at a time (StoreLockedError otherwise).
    server: a Qdrant server or cluster at `url` (with `api_key`); `shards`,
        `replication_factor` and `write_consistency` apply when collections are created.
        `url=":memory:"` runs qdrant-client's in-process mode instead (tests, demos).
    quantization: "int8" keeps int8 copies of the vectors in RAM for the index and reads the
        float32 originals from disk only to rescore the best candidates; "none" holds the
        float32 vectors in RAM.
    search_ef: how many candidates each vector search visits in the HNSW graph (more finds
        more of the true nearest neighbours in large stores, at some latency); None keeps the
        engine's default.
    create: False opens only a store that exists (StoreNotFoundError otherwise, and nothing
        is created): for jobs and reports that read what a service wrote.
    """
    check_layout(dimension, prefix)
    if quantization not in ("int8", "none"):
        raise ValueError(f"unknown quantization {quantization!r}; expected 'int8' or 'none'")
    if search_ef is not None and (isinstance(search_ef, bool) or not isinstance(search_ef, int) or search_ef < 1):
        raise ValueError(f"search_ef must be a positive integer or None, got {search_ef!r}")
    engine: Backend
    if backend == "embedded":
        if path is None:
            raise ValueError("the embedded store needs a path (its data directory)")
        from store.edge import EdgeBackend

        engine = EdgeBackend(Path(path), quantization=quantization, search_ef=search_ef, create=create)
    elif backend == "server":
        if not url:
            raise ValueError("the server store needs a url")
        from qdrant_client import QdrantClient

        from store.server import ServerBackend

        client = (
            QdrantClient(location=":memory:")
            if url == ":memory:"
            else QdrantClient(url=url, api_key=api_key, timeout=timeout)
        )
        engine = ServerBackend(
            client, shards=shards, replication_factor=replication_factor, write_consistency=write_consistency,
            quantization=quantization, search_ef=search_ef,
        )
    else:
        raise ValueError(f"unknown store backend {backend!r}; expected 'embedded' or 'server'")
    try:
        return Store(engine, dimension, prefix=prefix, create=create)
    except BaseException:
        engine.close()
        raise
