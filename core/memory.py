"""Keeping what a long-running process loaded at start-up out of the garbage collector's scans."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def startup_state_frozen() -> Iterator[None]:
    """Freeze every object alive now (models, libraries, taxonomy) for the duration.

    A full collection otherwise walks all of them, stalling every request for tens of
    milliseconds (about 140k objects in the service: 45 ms on two busy cores); frozen, it
    walks only what requests created since. On exit they are handed back to the collector,
    so a process that starts the service again does not keep the old state forever.
    """
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
