"""What the store holds: messages, and the items (clusters, topic prototypes) kept beside them.

A message is stored as one point: its vector and a flat payload. The caller's id (any
string) is kept in the payload; the point id is a UUID derived from it, so sending the
same message twice overwrites it instead of adding a copy.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import numpy as np

from store.errors import InvalidIdError, InvalidPayloadError

ID_NAMESPACE = uuid.UUID("6f1c3b1e-6c55-5a4b-9f0e-7a2d1c9b8e41")
ID_KEY = "id"
MAX_ID_LENGTH = 512

# Message fields stored as keyword payload, each indexed for filters and counts.
KEYWORD_FIELDS = (
    "channel",
    "source",
    "language",
    "customer_id",
    "customer_segment",
    "topic",
    "owner",
    "sentiment",
    "priority",
    "cluster_id",
)
CREATED_TS = "created_ts"  # float epoch seconds, indexed for time ranges
CREATED_AT = "created_at"  # ISO 8601 text, as the caller gave it (in UTC)
RESERVED_KEYS = frozenset({ID_KEY, "text", "rating", CREATED_TS, CREATED_AT, *KEYWORD_FIELDS})


def point_id(item_id: object) -> str:
    """The point id (a UUID string) of a caller's id; the same id always gives the same point."""
    if not isinstance(item_id, str) or not item_id or len(item_id) > MAX_ID_LENGTH:
        raise InvalidIdError(f"ids must be non-empty strings of at most {MAX_ID_LENGTH} characters, got {item_id!r}")
    return str(uuid.uuid5(ID_NAMESPACE, item_id))


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


@dataclass(frozen=True)
class Message:
    """An analysed message. `created_at` without a time zone is taken as UTC.

    `extra` holds any further JSON fields (analysis details, versions); they are stored
    and returned as they are, but cannot be filtered on.
    """

    id: str
    text: str
    created_at: datetime
    channel: str = "other"
    source: str | None = None
    language: str | None = None
    rating: float | None = None
    customer_id: str | None = None
    customer_segment: str | None = None
    topic: str | None = None
    owner: str | None = None
    sentiment: str | None = None
    priority: str | None = None
    cluster_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def created_day(self) -> date:
        return _utc(self.created_at).date()


@dataclass(frozen=True)
class SearchHit:
    message: Message
    score: float


@dataclass(frozen=True)
class MessageBatch:
    """One page of an iteration: ids, messages and their vectors (rows in the same order)."""

    ids: list[str]
    messages: list[Message]
    vectors: np.ndarray | None


@dataclass(frozen=True)
class Item:
    """A cluster or a topic prototype: an id, its vector and a free-form JSON payload."""

    id: str
    payload: dict[str, Any]
    vector: np.ndarray | None = None
    score: float | None = None


def message_payload(message: Message) -> dict[str, Any]:
    """The flat payload of a message; raises InvalidPayloadError for wrong field types."""
    if not isinstance(message, Message):
        raise InvalidPayloadError(f"expected a store.Message, got {type(message).__name__}")
    point_id(message.id)
    if not isinstance(message.text, str):
        raise InvalidPayloadError(f"message {message.id!r}: text must be a string")
    if not isinstance(message.created_at, datetime):
        raise InvalidPayloadError(f"message {message.id!r}: created_at must be a datetime")
    created = _utc(message.created_at)
    payload: dict[str, Any] = {
        ID_KEY: message.id,
        "text": message.text,
        CREATED_AT: created.isoformat(),
        CREATED_TS: created.timestamp(),
    }
    for name in KEYWORD_FIELDS:
        value = getattr(message, name)
        if value is not None and not isinstance(value, str):
            raise InvalidPayloadError(f"message {message.id!r}: {name} must be a string or None")
        payload[name] = value
    payload["channel"] = payload["channel"] or "other"
    rating = message.rating
    if rating is not None:
        if isinstance(rating, bool) or not isinstance(rating, int | float) or not math.isfinite(rating):
            raise InvalidPayloadError(f"message {message.id!r}: rating must be a finite number or None")
        rating = float(rating)
    payload["rating"] = rating
    if not isinstance(message.extra, dict):
        raise InvalidPayloadError(f"message {message.id!r}: extra must be a dict")
    clash = RESERVED_KEYS.intersection(message.extra)
    if clash:
        raise InvalidPayloadError(f"message {message.id!r}: extra may not use the field names {sorted(clash)}")
    payload.update(message.extra)
    return payload


def message_from_payload(payload: dict[str, Any]) -> Message:
    known = {name: payload.get(name) for name in KEYWORD_FIELDS}
    extra = {key: value for key, value in payload.items() if key not in RESERVED_KEYS}
    return Message(
        id=payload[ID_KEY],
        text=payload.get("text", ""),
        created_at=datetime.fromisoformat(payload[CREATED_AT]),
        rating=payload.get("rating"),
        extra=extra,
        **{**known, "channel": known["channel"] or "other"},
    )
