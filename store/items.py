"""Item tables: clusters (centroid + registry payload) and topic prototypes.

Both are small next to the messages: a few thousand vectors, each with a free-form JSON
payload. A table indexes a few keyword fields (a cluster's `status`, a prototype's
`topic`) for filters.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from store.backend import Collection, IndexSpec, Page
from store.checks import check_ids, check_json, check_limit, check_query, check_vectors
from store.conditions import equality_conditions
from store.errors import InvalidFilterError, InvalidPayloadError
from store.records import ID_KEY, Item, point_id

CLUSTER_FIELDS = ("status",)
PROTOTYPE_FIELDS = ("topic",)


def item_indexes(fields: Sequence[str]) -> tuple[IndexSpec, ...]:
    return tuple(IndexSpec(name, "keyword") for name in (ID_KEY, *fields))


class ItemTable:
    def __init__(self, collection: Collection, write_lock: threading.RLock, fields: Sequence[str]) -> None:
        self._collection = collection
        self._writes = write_lock
        self.fields = tuple(fields)
        self.dimension = collection.dimension

    def upsert(self, ids: Sequence[str], vectors: object, payloads: Sequence[dict[str, Any]]) -> int:
        """Insert or replace items by id; everything is checked before the first write."""
        ids = check_ids(ids)
        pids = [point_id(item_id) for item_id in ids]
        if isinstance(payloads, Mapping | str | bytes) or not isinstance(payloads, Iterable):
            raise InvalidPayloadError(f"expected a list of payloads (one per id), got {type(payloads).__name__}")
        payloads = list(payloads)  # a generator is read once
        if len(payloads) != len(pids):
            raise InvalidPayloadError(f"expected {len(pids)} payloads (one per id), got {len(payloads)}")
        array = check_vectors(vectors, len(pids), self.dimension)
        check_json(payloads, ids)
        stored = []
        for item_id, payload in zip(ids, payloads, strict=True):
            if ID_KEY in payload:
                raise InvalidPayloadError(f"{item_id!r}: the payload may not contain the key {ID_KEY!r}")
            for name in self.fields:
                if payload.get(name) is not None and not isinstance(payload[name], str):
                    raise InvalidPayloadError(f"{item_id!r}: {name} must be a string")
            stored.append({ID_KEY: item_id, **payload})
        with self._writes:
            self._collection.upsert(pids, array, stored)
        return len(pids)

    def get(self, ids: Sequence[str], with_vectors: bool = True) -> list[Item]:
        """The items found among `ids`, in the order asked."""
        pids = [point_id(item_id) for item_id in check_ids(ids)]
        items = {pid: item for pid, item in zip(*_items(self._collection.retrieve(pids, with_vectors)), strict=True)}
        return [items[pid] for pid in dict.fromkeys(pids) if pid in items]

    def all(self, where: Mapping[str, str] | None = None, with_vectors: bool = True) -> list[Item]:
        """Every item (matching `where`), sorted by id."""
        conditions = equality_conditions(where, self.fields)
        items = [
            item for page in self._collection.scroll(conditions, 1024, with_vectors, None) for item in _items(page)[1]
        ]
        return sorted(items, key=lambda item: item.id)

    def search(self, vector: object, limit: int = 10, where: Mapping[str, str] | None = None) -> list[Item]:
        query = check_query(vector, self.dimension)
        conditions = equality_conditions(where, self.fields)
        limit = check_limit("limit", limit)
        return _items(self._collection.search(query, conditions, limit))[1]

    def count(self, where: Mapping[str, str] | None = None) -> int:
        return self._collection.count(equality_conditions(where, self.fields))

    def delete(self, ids: Sequence[str]) -> int:
        pids = list(dict.fromkeys(point_id(item_id) for item_id in check_ids(ids)))  # an id named twice counts once
        with self._writes:
            existing = self._collection.retrieve(pids, with_vectors=False).ids
            if existing:
                self._collection.delete(existing)
        return len(existing)

    def delete_where(self, where: Mapping[str, str]) -> int:
        conditions = equality_conditions(where, self.fields)
        if not conditions:
            raise InvalidFilterError("delete_where needs at least one field")
        with self._writes:
            matched = self._collection.count(conditions)
            if matched:
                self._collection.delete_where(conditions)
        return matched


def _items(page: Page) -> tuple[Sequence[str], list[Item]]:
    items = []
    for row, payload in enumerate(page.payloads):
        rest = dict(payload)
        item_id = rest.pop(ID_KEY)
        vector = None if page.vectors is None else page.vectors[row]
        score = None if page.scores is None else float(page.scores[row])
        items.append(Item(item_id, rest, vector, score))
    return page.ids, items
