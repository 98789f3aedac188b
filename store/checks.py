"""Input checks run on a whole batch before anything is written."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any, cast

import numpy as np

from store.errors import InvalidFilterError, InvalidIdError, InvalidPayloadError, InvalidVectorError

# Rows whose length is outside this range lose precision when an engine normalises them in
# float32 (their squared length overflows or underflows), so they are normalised here first.
_SAFE_NORMS = (1e-15, 1e15)
MAX_LIMIT = 2**31 - 1  # larger limits and page sizes are taken as this (no store holds more points)


def check_vectors(vectors: object, count: int, dimension: int) -> np.ndarray:
    """The vectors as a float32 array of shape (count, dimension), all finite and non-zero."""
    if getattr(getattr(vectors, "dtype", None), "kind", None) == "c":  # a cast would drop the imaginary parts
        raise InvalidVectorError("vectors must be real numbers, got an array of complex numbers")
    try:
        with np.errstate(over="ignore"):  # values beyond float32 are refused below, by name
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
        row = int(np.argmin(finite))
        given = np.asarray(vectors)[row] if np.ndim(cast(Any, vectors)) == 2 else np.asarray(vectors)
        if np.issubdtype(np.asarray(given).dtype, np.number) and np.isfinite(given).all():
            raise InvalidVectorError(f"vector {row} has values beyond the range of float32 (about ±3.4e38); "
                                     "scale it down (only its direction counts)")
        raise InvalidVectorError(f"vector {row} contains NaN or infinity")
    norms = np.sqrt(np.einsum("ij,ij->i", array, array, dtype=np.float64))
    if (norms == 0).any():
        raise InvalidVectorError(f"vector {int(np.argmin(norms))} is all zeros and has no direction")
    extreme = (norms < _SAFE_NORMS[0]) | (norms > _SAFE_NORMS[1])
    if extreme.any():  # cosine only needs the direction
        array = array.copy()
        array[extreme] = (array[extreme] / norms[extreme, None]).astype(np.float32)
    return array


def check_query(vector: object, dimension: int) -> np.ndarray:
    array = check_vectors(vector, 1, dimension)
    return array[0]


def check_limit(name: str, value: object) -> int:
    """A result limit or page size: a positive integer (a larger one than MAX_LIMIT is taken as MAX_LIMIT)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidFilterError(f"{name} must be a positive integer, got {value!r}")
    return min(value, MAX_LIMIT)


def check_ids(ids: object) -> list:
    """The ids as a list; a single string is refused rather than read as its characters."""
    if isinstance(ids, str | bytes) or not isinstance(ids, Iterable):
        raise InvalidIdError(f"expected a list of ids, got {type(ids).__name__} {ids!r:.80}")
    return list(ids)


def check_json(payloads: Sequence[dict[str, Any]], names: Sequence[str]) -> None:
    """Refuse payloads that JSON cannot hold (sets, datetimes, NaN, non-string keys, lone surrogates…)."""
    for name, payload in zip(names, payloads, strict=True):
        if not isinstance(payload, dict):
            raise InvalidPayloadError(f"{name!r}: the payload must be a dict, got {type(payload).__name__}")
        try:
            json.dumps(payload, allow_nan=False, ensure_ascii=False).encode("utf-8")
        except (TypeError, ValueError, RecursionError) as error:  # UnicodeEncodeError is a ValueError
            raise InvalidPayloadError(f"{name!r}: the payload is not JSON-serialisable: {error}") from None
        if any(not isinstance(key, str) for key in payload):
            raise InvalidPayloadError(f"{name!r}: payload keys must be strings")
