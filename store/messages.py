"""The messages table: every analysed message as a vector with its payload."""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from core.text import is_unicode
from store.backend import Collection, IndexSpec
from store.checks import check_ids, check_limit, check_query, check_vectors
from store.conditions import ExcludeIds, MessageFilter, Range, as_conditions
from store.errors import InvalidFilterError, InvalidPayloadError, NotFoundError
from store.records import (
    CREATED_TS,
    DEFAULT_CHANNEL,
    ID_KEY,
    KEYWORD_FIELDS,
    Message,
    MessageBatch,
    SearchHit,
    message_from_payload,
    message_payload,
    point_id,
)

# Payload indexes on the fields the product filters and counts by. Every index adds to the cost
# of each write (docs/store.md, "Stored form"); the other keyword fields are still
# filterable (the engine checks them on the candidates) and countable (by a scan of the window).
INDEXED_FIELDS = ("channel", "customer_id", "topic", "owner", "sentiment", "cluster_id")
INDEXES = (*(IndexSpec(name, "keyword") for name in INDEXED_FIELDS), IndexSpec(CREATED_TS, "float"))
SCAN_PAGE = 4096
WRITE_CHUNK = 4096
FACET_LIMIT = 100_000


class MessageTable:
    def __init__(self, collection: Collection, write_lock: threading.RLock) -> None:
        self._collection = collection
        self._writes = write_lock
        self.dimension = collection.dimension

    # -- writes ---------------------------------------------------------------------------

    def upsert(self, messages: Sequence[Message], vectors: object) -> int:
        """Insert or replace messages by id; returns how many messages were written (an id given
        twice in one call counts once: the later message is the one kept).

        Everything is checked before the first write. Sending the same ids again replaces
        those messages, so a retried batch never creates duplicates.
        """
        if isinstance(messages, Message | str):
            raise InvalidPayloadError(f"expected a list of messages, got one {type(messages).__name__}")
        messages = list(messages)  # a generator is read once
        payloads = [message_payload(message) for message in messages]  # a dict is refused as such, not by its id
        ids = [point_id(message.id) for message in messages]
        array = check_vectors(vectors, len(payloads), self.dimension)
        with self._writes:
            for start in range(0, len(ids), WRITE_CHUNK):
                stop = start + WRITE_CHUNK
                self._collection.upsert(ids[start:stop], array[start:stop], payloads[start:stop])
        return len(set(ids))

    def update(self, changes: Mapping[str, Mapping[str, Any]]) -> int:
        """Set fields on existing messages ({message id: {field: value}}); returns how many changed.

        Only the keyword fields (topic, owner, cluster_id, sentiment, priority…) can change
        this way; a message whose text or extras change is upserted again. Unknown ids raise
        NotFoundError, and nothing is written when any change is refused.
        """
        if not isinstance(changes, Mapping):
            raise InvalidPayloadError(f"expected a mapping of message ids to fields, got {type(changes).__name__}")
        groups: dict[str, tuple[dict[str, Any], list[str]]] = {}
        for message_id, values in changes.items():
            pid = point_id(message_id)
            clean = _check_update(message_id, values)
            key = json.dumps(clean, sort_keys=True)
            groups.setdefault(key, (clean, []))[1].append(pid)
        ids = [pid for _, members in groups.values() for pid in members]
        with self._writes:
            found = self._existing(ids)
            missing = [mid for mid in changes if point_id(mid) not in found]
            if missing:
                raise NotFoundError(f"{len(missing)} messages are not in the store, e.g. {missing[:5]}",
                                    missing=tuple(missing))
            for values, members in groups.values():
                for start in range(0, len(members), WRITE_CHUNK):
                    self._collection.set_payload(members[start : start + WRITE_CHUNK], values)
        return len(ids)

    def set_clusters(self, assignments: Mapping[str, str | None]) -> int:
        """Write cluster ids back to messages ({message id: cluster id or None})."""
        if not isinstance(assignments, Mapping):
            raise InvalidPayloadError(f"expected a mapping of ids to clusters, not {type(assignments).__name__}")
        return self.update({message_id: {"cluster_id": cluster} for message_id, cluster in assignments.items()})

    def delete(self, ids: Sequence[str]) -> int:
        """Delete messages by id; returns how many existed."""
        pids = [point_id(message_id) for message_id in check_ids(ids)]
        with self._writes:
            existing = self._existing(pids)
            if existing:
                self._collection.delete(sorted(existing))
        return len(existing)

    def _existing(self, pids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        for start in range(0, len(pids), WRITE_CHUNK):
            found.update(self._collection.retrieve(pids[start : start + WRITE_CHUNK], with_vectors=False).ids)
        return found

    def delete_where(self, message_filter: MessageFilter) -> int:
        """Delete every message the filter matches (retention, erasure); returns how many.

        An empty filter is refused: it would erase everything.
        """
        conditions = as_conditions(message_filter)
        if not conditions:
            raise InvalidFilterError("delete_where needs a filter with at least one field set")
        with self._writes:
            matched = self._collection.count(conditions)
            if matched:
                self._collection.delete_where(conditions)
        return matched

    # -- reads ----------------------------------------------------------------------------

    def get(self, message_id: str, with_vector: bool = False) -> tuple[Message, np.ndarray | None] | None:
        batch = self.get_many([message_id], with_vectors=with_vector)
        if not batch.ids:
            return None
        return batch.messages[0], None if batch.vectors is None else batch.vectors[0]

    def get_many(self, ids: Sequence[str], with_vectors: bool = False) -> MessageBatch:
        """The messages found among `ids`, in the order asked; missing ids are left out."""
        pids = list(dict.fromkeys(point_id(message_id) for message_id in check_ids(ids)))
        page = self._collection.retrieve(pids, with_vectors)
        rank = {pid: index for index, pid in enumerate(pids)}
        order = sorted(range(len(page)), key=lambda row: rank[page.ids[row]])
        payloads = [page.payloads[row] for row in order]
        vectors = None if page.vectors is None else page.vectors[order]
        return MessageBatch([p[ID_KEY] for p in payloads], payloads, vectors)

    def search(self, vector: object, message_filter: MessageFilter | None = None, limit: int = 10) -> list[SearchHit]:
        """The nearest messages by cosine similarity among those the filter matches."""
        query = check_query(vector, self.dimension)
        conditions = as_conditions(message_filter)
        limit = check_limit("limit", limit)
        page = self._collection.search(query, conditions, limit)
        scores = page.scores or [0.0] * len(page)
        return [SearchHit(message_from_payload(p), float(s)) for p, s in zip(page.payloads, scores, strict=True)]

    def iterate(
        self, message_filter: MessageFilter | None = None, batch_size: int = 1024, with_vectors: bool = True
    ) -> Iterator[MessageBatch]:
        """Every matching message, one page at a time: memory stays bounded by `batch_size`."""
        conditions = as_conditions(message_filter)
        batch_size = check_limit("batch_size", batch_size)
        for page in self._collection.scroll(conditions, batch_size, with_vectors, None):
            yield MessageBatch([p[ID_KEY] for p in page.payloads], page.payloads, page.vectors)

    def count(self, message_filter: MessageFilter | None = None) -> int:
        return self._collection.count(as_conditions(message_filter))

    def count_contacts(self, customer_id: str, topic_id: str, since: datetime, until: datetime,
                       excluding: str | None = None) -> int:
        """Contacts of a customer on a topic with since ≤ created_at < until (the analyser's ContactHistory).

        The stored message ``excluding`` is not counted: a message sent again to replace its text
        is not a repeat of itself.
        """
        for name, value in (("customer_id", customer_id), ("topic_id", topic_id)):
            if not isinstance(value, str):  # None would match every customer (or topic) instead of none
                raise InvalidFilterError(f"count_contacts: {name} must be a string, got {value!r:.80}")
        window = MessageFilter(created_from=since, created_to=until, customer_id=customer_id, topic=topic_id)
        conditions = as_conditions(window)
        if excluding is not None:
            conditions += (ExcludeIds((point_id(check_ids([excluding])[0]),)),)
        return self._collection.count(conditions)

    def counts_by_day(
        self, field: str, start: date, end: date, message_filter: MessageFilter | None = None
    ) -> dict[str, dict[date, int]]:
        """Messages per value of `field` and per UTC day, for days start ≤ day < end."""
        if field not in KEYWORD_FIELDS:
            raise InvalidFilterError(f"cannot count by {field!r}; countable fields: {list(KEYWORD_FIELDS)}")
        for name, day in (("start", start), ("end", end)):
            if isinstance(day, datetime) or not isinstance(day, date):
                raise InvalidFilterError(f"{name} must be a date (a UTC day), got {type(day).__name__} {day!r}")
        if start > end:
            raise InvalidFilterError(f"start {start} is after end {end}")
        base = as_conditions(message_filter)
        if field not in INDEXED_FIELDS:
            return self._scan_counts_by_day(field, start, end, base)
        counts: dict[str, dict[date, int]] = defaultdict(dict)
        day = start
        while day < end:
            begin = _day_start(day)
            window = Range(CREATED_TS, gte=begin, lt=begin + 86_400.0)
            hits = self._collection.facet(field, (*base, window), FACET_LIMIT)
            if len(hits) >= FACET_LIMIT:
                raise InvalidFilterError(f"{field} has more than {FACET_LIMIT} values on {day}; narrow the filter")
            if field == "channel":
                hits = self._with_unset_channels(hits, (*base, window))
            for value, number in hits.items():
                counts[str(value)][day] = number
            day += timedelta(days=1)
        return dict(counts)

    def _with_unset_channels(self, hits: dict[Any, int], conditions: tuple) -> dict[Any, int]:
        """Channel counts with the messages that read back as DEFAULT_CHANNEL without it stored
        (data written before it was: no channel, a null or "") counted under it."""
        hits.pop("", None)
        unset = self._collection.count(conditions) - sum(hits.values())
        if unset > 0:  # (not below zero when a write lands between the facet and the count)
            hits[DEFAULT_CHANNEL] = hits.get(DEFAULT_CHANNEL, 0) + unset
        return hits

    def _scan_counts_by_day(self, field: str, start: date, end: date, base: tuple) -> dict[str, dict[date, int]]:
        """The same counts for a field without a payload index: one pass over the window's payloads."""
        counts: dict[str, dict[date, int]] = defaultdict(dict)
        window = Range(CREATED_TS, gte=_day_start(start), lt=_day_start(end))
        for page in self._collection.scroll((*base, window), SCAN_PAGE, False, [field, CREATED_TS]):
            for payload in page.payloads:
                value = payload.get(field)
                if value is None:
                    continue
                day = datetime.fromtimestamp(payload[CREATED_TS], UTC).date()
                per_day = counts[str(value)]
                per_day[day] = per_day.get(day, 0) + 1
        return dict(counts)


def _day_start(day: date) -> float:
    return datetime.combine(day, time(), tzinfo=UTC).timestamp()


def _check_update(message_id: str, values: Mapping[str, Any]) -> dict[str, Any]:
    if not isinstance(values, Mapping) or not values:
        raise InvalidPayloadError(f"message {message_id!r}: expected a non-empty mapping of fields")
    for name, value in values.items():
        if name not in KEYWORD_FIELDS:
            raise InvalidPayloadError(
                f"message {message_id!r}: {name!r} cannot be updated; updatable fields: {list(KEYWORD_FIELDS)}"
            )
        if value is not None and not isinstance(value, str):
            raise InvalidPayloadError(f"message {message_id!r}: {name} must be a string or None")
        if value is not None and not is_unicode(value):
            raise InvalidPayloadError(f"message {message_id!r}: {name} is not valid Unicode (a lone surrogate)")
    clean = dict(values)
    if "channel" in clean and not clean["channel"]:  # as upsert stores a message without a channel
        clean["channel"] = DEFAULT_CHANNEL
    return clean
