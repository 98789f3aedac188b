"""Cross-request batching: many callers, one inference batch.

Concurrent callers (HTTP handlers in the thread pool) each submit a few texts; a
single worker thread gathers whatever is waiting — up to ``max_batch`` texts, waiting
at most ``max_wait_s`` for callers that have started but not yet submitted (a lone
caller never waits) — and runs them through the
wrapped embedder in one call. Because the embedders are batch-invariant, every caller
gets exactly the vectors it would have got alone.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future

import numpy as np

from core.text import clean_texts
from embeddings.base import Embedder


class BatchingEmbedder:
    def __init__(self, inner: Embedder, *, max_batch: int = 32, max_wait_s: float = 0.002) -> None:
        self.inner = inner
        self.name = inner.name
        self.dimension = inner.dimension
        self.max_batch = max_batch
        self.max_wait_s = max_wait_s
        self._queue: queue.Queue[tuple[list[str], Future] | None] = queue.Queue()
        self._waiting = 0  # callers between submitting and getting their vectors
        self._lock = threading.Lock()
        self._worker = threading.Thread(target=self._loop, name="embed-batcher", daemon=True)
        self._worker.start()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = clean_texts(texts)  # bad input fails its own caller only
        if not cleaned:
            return np.zeros((0, self.dimension), dtype=np.float32)
        future: Future = Future()
        with self._lock:
            self._waiting += 1
        try:
            self._queue.put((cleaned, future))
            return future.result()
        finally:
            with self._lock:
                self._waiting -= 1

    def close(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=5)

    def _loop(self) -> None:
        while True:
            first = self._queue.get()
            if first is None:
                return
            pending = [first]
            size = len(first[0])
            # wait for more only while other callers are on their way; alone, run at once
            while size < self.max_batch and len(pending) < self._waiting:
                try:
                    item = self._queue.get(timeout=self.max_wait_s)
                except queue.Empty:
                    break
                if item is None:
                    self._queue.put(None)
                    break
                pending.append(item)
                size += len(item[0])
            self._run(pending)

    def _run(self, pending: list[tuple[list[str], Future]]) -> None:
        texts = [text for batch, _ in pending for text in batch]
        try:
            vectors = self.inner.embed(texts)
        except Exception as error:  # noqa: BLE001 — every waiting caller must hear of it
            for _, future in pending:
                future.set_exception(error)
            return
        offset = 0
        for batch, future in pending:
            future.set_result(vectors[offset : offset + len(batch)])
            offset += len(batch)
