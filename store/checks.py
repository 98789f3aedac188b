"""Input checks run on a whole batch before anything is written."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import numpy as np

from store.errors import InvalidPayloadError, InvalidVectorError


def check_vectors(vectors: object, count: int, dimension: int) -> np.ndarray:
    """The vectors as a float32 array of shape (count, dimension), all finite and non-zero."""
    try:
        array = np.asarray(vectors, dtype=np.float32)
    except (TypeError, ValueError) as error:
        raise InvalidVectorError(f"vectors must be numeric: {error}") from None
    if array.ndim == 1 and count == 1:
        array = array[None, :]
    if array.ndim != 2 or array.shape[1] != dimension:
        raise InvalidVectorError(
            f"expected vectors of dimension {dimension}, got an array of shape {tuple(array.shape)}"
        )
    if array.shape[0] != count:
        raise InvalidVectorError(f"expected {count} vectors (one per item), got {array.shape[0]}")
    finite = np.isfinite(array).all(axis=1)
    if not finite.all():
        raise InvalidVectorError(f"vector {int(np.argmin(finite))} contains NaN or infinity")
    norms = np.linalg.norm(array, axis=1)
    if (norms == 0).any():
        raise InvalidVectorError(f"vector {int(np.argmin(norms))} is all zeros and has no direction")
    return array


def check_query(vector: object, dimension: int) -> np.ndarray:
    array = check_vectors(vector, 1, dimension)
    return array[0]


def check_json(payloads: Sequence[dict[str, Any]], names: Sequence[str]) -> None:
    """Refuse payloads that JSON cannot hold (sets, datetimes, NaN, non-string keys…)."""
    for name, payload in zip(names, payloads, strict=True):
        if not isinstance(payload, dict):
            raise InvalidPayloadError(f"{name!r}: the payload must be a dict, got {type(payload).__name__}")
        try:
            json.dumps(payload, allow_nan=False)
        except (TypeError, ValueError) as error:
            raise InvalidPayloadError(f"{name!r}: the payload is not JSON-serialisable: {error}") from None
        if any(not isinstance(key, str) for key in payload):
            raise InvalidPayloadError(f"{name!r}: payload keys must be strings")
