"""The store: messages, clusters and topic prototypes over one backend.

`Store` is the one interface the product uses; the backend (embedded engine or Qdrant
server) is chosen by `open_store` and hidden behind it. Writes are serialised by one
lock, which a snapshot also takes so that it sees a single moment.
"""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path
from typing import Any

from store.backend import Backend
from store.items import CLUSTER_FIELDS, PROTOTYPE_FIELDS, ItemTable, item_indexes
from store.messages import INDEXES, MessageTable
from store.snapshot import restore_snapshot, write_snapshot

_PREFIX = re.compile(r"[\w-]*")  # it names folders (embedded) and collections: no path separators


def check_layout(dimension: object, prefix: object) -> None:
    """The arguments every store is opened with; checked before anything is created."""
    if isinstance(dimension, bool) or not isinstance(dimension, int) or dimension < 1:
        raise ValueError(f"dimension must be a positive integer, got {dimension!r}")
    if not isinstance(prefix, str) or not _PREFIX.fullmatch(prefix):
        raise ValueError(f"prefix must be letters, digits, '_' or '-' (it names the collections), got {prefix!r}")


class Store:
    """Open with `store.open_store`; use as a context manager or call `close()`."""

    def __init__(self, backend: Backend, dimension: int, prefix: str = "voc", create: bool = True) -> None:
        """``create`` False: the store must exist already (its messages table; the others are
        added when missing), else StoreNotFoundError."""
        check_layout(dimension, prefix)
        self._backend = backend
        self.dimension = dimension
        self._writes = threading.RLock()
        self._collections = {
            "messages": backend.open_collection(f"{prefix}_messages", dimension, INDEXES, create=create),
            "clusters": backend.open_collection(f"{prefix}_clusters", dimension, item_indexes(CLUSTER_FIELDS)),
            "prototypes": backend.open_collection(f"{prefix}_prototypes", dimension, item_indexes(PROTOTYPE_FIELDS)),
        }
        self.messages = MessageTable(self._collections["messages"], self._writes)
        self.clusters = ItemTable(self._collections["clusters"], self._writes, CLUSTER_FIELDS)
        self.prototypes = ItemTable(self._collections["prototypes"], self._writes, PROTOTYPE_FIELDS)
        self._closed = False

    @property
    def backend(self) -> str:
        return self._backend.kind

    def info(self) -> dict[str, Any]:
        return {
            "backend": self.backend,
            "dimension": self.dimension,
            "quantization": self._backend.quantization,
            "search_ef": self._backend.search_ef,
            "tables": {name: c.index_info() for name, c in self._collections.items()},
        }

    def optimize(self) -> float:
        """Build the vector indexes where the engine leaves it to us; returns the seconds spent.

        The embedded engine searches by scanning until this runs; a server indexes by itself.
        Reads and writes go on meanwhile: the engine swaps in the optimised segments when done.
        """
        start = time.perf_counter()
        for collection in self._collections.values():
            collection.optimize()
        return time.perf_counter() - start

    def flush(self) -> None:
        with self._writes:
            for collection in self._collections.values():
                collection.flush()

    def backup(self, destination: str | Path) -> Path:
        """Write a snapshot folder of every table; writes wait until it is complete."""
        with self._writes:
            return write_snapshot(self._collections, Path(destination), self.dimension)

    def restore(self, source: str | Path, previous: str | Path | None = None) -> dict[str, int]:
        """Replace the contents of every table with a snapshot's, all or nothing; returns points per table.

        The snapshot is checked before anything is deleted: its manifest (format, dimension,
        tables), and every part read through once (vectors, payloads, point ids, counts).
        The current contents are then written to ``previous`` (default: ``<source>.previous``
        beside the snapshot; a folder that must not exist) and put back if the restore fails
        midway; the folder is removed afterwards (see ``store.snapshot.restore_snapshot``).
        """
        source = Path(source).resolve()
        kept = source.with_name(source.name + ".previous") if previous is None else Path(previous)
        with self._writes:
            return restore_snapshot(self._collections, source, self.dimension, kept)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            with self._writes:
                self._backend.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
