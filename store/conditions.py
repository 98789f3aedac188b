"""Filters: the typed message filter, and the neutral conditions every backend translates.

A condition list is a conjunction. `Match` with several values matches any of them (and, with
`or_missing`, points without the field or with a null there too); `Range` is half-open
(gte ≤ value < lt); `ExcludeIds` leaves the given points out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from typing import Any

from core.text import is_unicode
from store.errors import InvalidFilterError
from store.records import CREATED_TS, DEFAULT_CHANNEL, KEYWORD_FIELDS


@dataclass(frozen=True)
class Match:
    field: str
    values: tuple[str, ...]
    or_missing: bool = False  # also points where the field is missing or null


@dataclass(frozen=True)
class Range:
    field: str
    gte: float | None = None
    lt: float | None = None


@dataclass(frozen=True)
class ExcludeIds:
    """Every point but these (point ids, as the backends store them)."""

    point_ids: tuple[str, ...]


Condition = Match | Range | ExcludeIds
Conditions = tuple[Condition, ...]

Values = str | Sequence[str] | None


@dataclass(frozen=True)
class MessageFilter:
    """Which messages to search, iterate, count or delete; every field left None matches all.

    Keyword fields take one value or a sequence of values (any of them). The time range
    is half-open: created_from ≤ created_at < created_to; times without a zone are UTC.
    """

    created_from: datetime | None = None
    created_to: datetime | None = None
    channel: Values = None
    source: Values = None
    language: Values = None
    customer_id: Values = None
    customer_segment: Values = None
    topic: Values = None
    owner: Values = None
    sentiment: Values = None
    priority: Values = None
    cluster_id: Values = None

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> MessageFilter:
        """Build a filter from a mapping (such as query parameters); unknown names are refused."""
        if not isinstance(values, Mapping):
            raise InvalidFilterError(f"expected a mapping of filter fields, got {type(values).__name__}")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidFilterError(f"unknown filter fields {unknown}; known fields: {sorted(known)}")
        return cls(**values)

    def conditions(self) -> Conditions:
        result: list[Condition] = []
        for name in KEYWORD_FIELDS:
            values = getattr(self, name)
            if values is not None:
                result.append(_keyword_match(name, _keyword_values(name, values)))
        if self.created_from is not None or self.created_to is not None:
            start = None if self.created_from is None else _timestamp("created_from", self.created_from)
            end = None if self.created_to is None else _timestamp("created_to", self.created_to)
            if start is not None and end is not None and start > end:
                raise InvalidFilterError(f"created_from {self.created_from} is after created_to {self.created_to}")
            result.append(Range(CREATED_TS, gte=start, lt=end))
        return tuple(result)


def as_conditions(message_filter: MessageFilter | None) -> Conditions:
    if message_filter is None:
        return ()
    if not isinstance(message_filter, MessageFilter):
        raise InvalidFilterError(f"expected a MessageFilter, got {type(message_filter).__name__}")
    return message_filter.conditions()


def equality_conditions(where: Mapping[str, Any] | None, allowed: Sequence[str]) -> Conditions:
    """Conditions for an item table (clusters, prototypes): equality on its indexed fields only."""
    if where is not None and not isinstance(where, Mapping):
        raise InvalidFilterError(f"expected a mapping of filter fields, got {type(where).__name__}")
    if not where:
        return ()
    unknown = sorted(set(where) - set(allowed))
    if unknown:
        raise InvalidFilterError(f"unknown filter fields {unknown}; known fields: {sorted(allowed)}")
    return tuple(Match(name, _keyword_values(name, value)) for name, value in where.items())


def _keyword_match(name: str, values: tuple[str, ...]) -> Match:
    """The channel DEFAULT_CHANNEL also matches what reads back as it: no channel, a null or ""
    (messages written before a missing channel was stored as DEFAULT_CHANNEL)."""
    if name == "channel" and DEFAULT_CHANNEL in values:
        return Match(name, values if "" in values else (*values, ""), or_missing=True)
    return Match(name, values)


def _keyword_values(name: str, values: object) -> tuple[str, ...]:
    items = (values,) if isinstance(values, str) else values
    if not isinstance(items, list | tuple | set | frozenset) or not items:
        raise InvalidFilterError(f"filter {name}: expected a string or a non-empty list of strings")
    if not all(isinstance(item, str) for item in items):
        raise InvalidFilterError(f"filter {name}: every value must be a string, got {values!r}")
    if not all(is_unicode(item) for item in items):
        raise InvalidFilterError(f"filter {name}: {values!r} is not valid Unicode (a lone surrogate)")
    return tuple(sorted(items)) if isinstance(items, set | frozenset) else tuple(items)


def _timestamp(name: str, moment: object) -> float:
    if not isinstance(moment, datetime):
        raise InvalidFilterError(f"filter {name}: expected a datetime, got {type(moment).__name__}")
    return (moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment).timestamp()
