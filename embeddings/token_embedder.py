"""Embedder for graphs that take token ids and return token states (pooled here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from core.model_manifest import ModelManifest
from core.text import clean_texts
from embeddings.tokenizer import TextTokenizer
from embeddings.windows import length_buckets, split_windows


class TokenEmbedder:
    """Tokenise → window → run the graph in length buckets → pool → weighted mean → L2."""

    def __init__(
        self,
        session: Any,
        tokenizer: TextTokenizer,
        manifest: ModelManifest,
        *,
        batch_size: int = 32,
        window: int | None = None,
        max_windows: int = 64,
    ) -> None:
        self.session = session
        self.tokenizer = tokenizer
        self.manifest = manifest
        self.name = manifest.name
        self.dimension = manifest.dimension
        self.batch_size = batch_size
        self.window = min(window or manifest.max_tokens, manifest.max_tokens)
        self.max_windows = max_windows
        self._input_names = {node.name for node in session.get_inputs()}
        self._output_name = manifest.output_name or session.get_outputs()[0].name
        self._pad_id = tokenizer.pad_id

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        cleaned = clean_texts(texts)
        if not cleaned:
            return np.zeros((0, self.dimension), dtype=np.float32)
        content = self.tokenizer.content_ids([self.manifest.prefix + text for text in cleaned])
        windows = split_windows(
            content, self.tokenizer.prefix_ids, self.tokenizer.suffix_ids, self.window, self.max_windows
        )
        sums = np.zeros((len(cleaned), self.dimension), dtype=np.float64)
        for batch in length_buckets(windows, self.batch_size):
            pooled = self._run([windows[i].ids for i in batch])
            for row, window_index in enumerate(batch):
                window = windows[window_index]
                sums[window.text_index] += pooled[row] * window.weight
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (sums / np.maximum(norms, 1e-12)).astype(np.float32)

    def _run(self, sequences: list[list[int]]) -> np.ndarray:
        length = max(len(ids) for ids in sequences)
        input_ids = np.full((len(sequences), length), self._pad_id, dtype=np.int64)
        mask = np.zeros((len(sequences), length), dtype=np.int64)
        for row, ids in enumerate(sequences):
            input_ids[row, : len(ids)] = ids
            mask[row, : len(ids)] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask}
        if "token_type_ids" in self._input_names:
            feeds["token_type_ids"] = np.zeros_like(input_ids)
        states = self.session.run([self._output_name], feeds)[0]
        return pool(states, mask, self.manifest.pooling)


def pool(states: np.ndarray, mask: np.ndarray, how: str) -> np.ndarray:
    """Pool token states ``[batch, seq, dim]`` into one vector per row (un-normalised)."""
    if states.ndim == 2 or how == "none":
        return states.astype(np.float64)
    if how == "cls":
        return states[:, 0, :].astype(np.float64)
    weights = mask[..., None].astype(np.float64)
    return (states * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
