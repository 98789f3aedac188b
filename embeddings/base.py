"""The Embedder contract every serving backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors of a fixed dimension.

    ``embed`` validates and cleans its input (see :mod:`core.text`), raises
    :class:`core.errors.InvalidTextError` for empty or non-string input, and returns
    an array of shape ``(len(texts), dimension)``. The same text gets the same
    vector whether it is embedded alone or inside any batch.
    """

    name: str
    dimension: int

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...
