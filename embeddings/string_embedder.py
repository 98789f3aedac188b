"""Embedder for graphs that take raw strings (the tokenizer lives inside the graph)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.model_manifest import ModelManifest
from core.text import clean_texts


def split_chars(text: str, limit: int, max_chunks: int) -> list[str]:
    """Cut a long text into chunks of at most ``limit`` characters, at whitespace when possible."""
    chunks: list[str] = []
    rest = text
    while rest and len(chunks) < max_chunks:
        if len(rest) <= limit:
            chunks.append(rest)
            break
        cut = rest.rfind(" ", limit // 2, limit)
        cut = limit if cut <= 0 else cut
        chunks.append(rest[:cut])
        rest = rest[cut:].lstrip()
    return chunks


class StringEmbedder:
    """Feeds strings in fixed-size batches; long texts follow the character-window rule.

    A text longer than ``chunk_chars`` is cut into chunks (at most ``max_chunks``)
    whose vectors are averaged, weighted by length, then L2-normalised.
    """

    def __init__(
        self,
        session: Any,
        manifest: ModelManifest,
        *,
        batch_size: int = 32,
        chunk_chars: int = 2000,
        max_chunks: int = 64,
    ) -> None:
        self.session = session
        self.manifest = manifest
        self.name = manifest.name
        self.dimension = manifest.dimension
        self.batch_size = batch_size
        self.chunk_chars = chunk_chars
        self.max_chunks = max_chunks
        self._input_name = manifest.input_name or session.get_inputs()[0].name
        self._output_name = manifest.output_name or session.get_outputs()[0].name

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = clean_texts(texts)
        owners: list[int] = []
        pieces: list[str] = []
        for index, text in enumerate(cleaned):
            for chunk in split_chars(self.manifest.prefix + text, self.chunk_chars, self.max_chunks):
                owners.append(index)
                pieces.append(chunk)
        sums = np.zeros((len(cleaned), self.dimension), dtype=np.float64)
        for start in range(0, len(pieces), self.batch_size):
            batch = pieces[start : start + self.batch_size]
            vectors = self.session.run([self._output_name], {self._input_name: np.array(batch, dtype=object)})[0]
            for row, piece in enumerate(batch):
                sums[owners[start + row]] += vectors[row] * len(piece)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-12)).astype(np.float32)
