"""Embedding a labelled file's texts in chunks, so that a long job can show its progress.

Vectors do not depend on the batch a text is embedded in, so chunks change nothing but
how often progress is reported.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from embeddings.base import Embedder

CHUNK = 128


def embed_in_chunks(embedder: Embedder, texts: Sequence[str],
                    progress: Callable[[int, int], None] | None = None, chunk: int = CHUNK) -> np.ndarray:
    """``embedder.embed(texts)``, calling ``progress(done, total)`` after each chunk of texts."""
    texts = list(texts)
    if not texts:
        return embedder.embed(texts)
    parts = []
    for start in range(0, len(texts), chunk):
        parts.append(embedder.embed(texts[start:start + chunk]))
        if progress is not None:
            progress(min(start + chunk, len(texts)), len(texts))
    return np.concatenate(parts)
