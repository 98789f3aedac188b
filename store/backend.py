"""The contract each engine implements: one vector collection and its primitive operations.

Point ids here are UUID strings and vectors float32 rows; validation happens above, in
the tables, so a backend only translates. Both backends implement this class; the
contract tests run the same scenarios on each.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from store.conditions import Conditions


@dataclass(frozen=True)
class IndexSpec:
    """A payload index: `keyword` (exact match, counts) or `float` (ranges)."""

    field: str
    kind: str


@dataclass(frozen=True)
class Page:
    """Points as parallel lists: UUID ids, payloads, a float32 matrix of vectors, scores."""

    ids: Sequence[str]
    payloads: list[dict[str, Any]]
    vectors: np.ndarray | None = None
    scores: list[float] | None = None

    def __len__(self) -> int:
        return len(self.ids)


class Collection(ABC):
    """One collection of points of a fixed dimension, cosine distance."""

    name: str
    dimension: int

    @abstractmethod
    def upsert(self, ids: Sequence[str], vectors: np.ndarray, payloads: Sequence[dict[str, Any]]) -> None: ...

    @abstractmethod
    def retrieve(self, ids: Sequence[str], with_vectors: bool) -> Page:
        """The points that exist among `ids`, in any order."""

    @abstractmethod
    def search(self, vector: np.ndarray, conditions: Conditions, limit: int) -> Page:
        """The nearest points, best first, with payloads and scores."""

    @abstractmethod
    def scroll(
        self, conditions: Conditions, page_size: int, with_vectors: bool, fields: Sequence[str] | None
    ) -> Iterator[Page]:
        """Pages of points matching the conditions; `fields` selects payload keys (None: all)."""

    @abstractmethod
    def set_payload(self, ids: Sequence[str], values: dict[str, Any]) -> None:
        """Set the given keys on existing points, leaving their other keys as they are."""

    @abstractmethod
    def count(self, conditions: Conditions) -> int: ...

    @abstractmethod
    def facet(self, field: str, conditions: Conditions, limit: int) -> dict[Any, int]:
        """Points per value of an indexed keyword field, among those matching the conditions."""

    @abstractmethod
    def delete(self, ids: Sequence[str]) -> None: ...

    @abstractmethod
    def delete_where(self, conditions: Conditions) -> None: ...

    @abstractmethod
    def index_info(self) -> dict[str, Any]:
        """Engine facts for operators and benchmarks: points, indexed vectors, segments."""

    def optimize(self) -> bool:
        """Build the vector index where the engine leaves that to the caller; True if work was done."""
        return False

    def flush(self) -> None:
        """Persist pending changes (the write-ahead log already makes acknowledged writes durable)."""
        return None


# int8 vector copies (both backends): values beyond this quantile are clipped when the copies
# are made, and each search rescores this many candidates per result with the float32 originals,
# so callers get exact cosines.
INT8_QUANTILE = 0.99
RESCORE_OVERSAMPLING = 2.0


class Backend(ABC):
    """Opens the collections of one store and owns what they share (a client, a lock)."""

    kind: str
    quantization: str = "none"  # "int8": the index walks int8 copies, rescored with the originals
    search_ef: int | None = None  # HNSW candidates each search visits; None: the engine's default

    @abstractmethod
    def open_collection(self, name: str, dimension: int, indexes: Sequence[IndexSpec],
                        create: bool = True) -> Collection:
        """Open a collection, creating it with its payload indexes when it does not exist
        (StoreNotFoundError instead when ``create`` is False).

        Raises DimensionMismatchError when it exists with another dimension.
        """

    @abstractmethod
    def close(self) -> None: ...
