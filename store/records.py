"""What the store holds: messages, and the items (clusters, topic prototypes) kept beside them.

A message is stored as one point: its vector and a flat payload. The caller's id (any
string) is kept in the payload; the point id is a UUID derived from it, so sending the
same message twice overwrites it instead of adding a copy.
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any

import numpy as np

from core.text import is_unicode
from store.errors import InvalidIdError, InvalidPayloadError

ID_NAMESPACE = uuid.UUID("6f1c3b1e-6c55-5a4b-9f0e-7a2d1c9b8e41")
ID_KEY = "id"
DOC_KEY = "doc"  # text, created_at, rating and extra fields, as one JSON string
MAX_ID_LENGTH = 512

# Message fields stored as top-level keyword payload, for filters and counts; None is left out
# (but for the channel, see DEFAULT_CHANNEL).
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
# A message without a channel is on this one: None (or "") is stored as it. Data written before
# that has no channel, a null or "" instead; each reads back as this, and a filter on it finds them.
DEFAULT_CHANNEL = "other"
RESERVED_KEYS = frozenset({ID_KEY, DOC_KEY, "text", "rating", "created_at", CREATED_TS, *KEYWORD_FIELDS})
_NAMESPACE_BYTES = ID_NAMESPACE.bytes
_DOC_ENCODER = json.JSONEncoder(allow_nan=False, ensure_ascii=False, separators=(",", ":"))


def point_id(item_id: object) -> str:
    """The point id (a UUID string) of a caller's id; the same id always gives the same point.

    It is uuid5(ID_NAMESPACE, item_id), computed without building UUID objects.
    """
    if not isinstance(item_id, str) or not item_id or len(item_id) > MAX_ID_LENGTH:
        raise InvalidIdError(f"ids must be non-empty strings of at most {MAX_ID_LENGTH} characters, got {item_id!r}")
    try:
        encoded = item_id.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: neither engine can store it
        raise InvalidIdError(f"id {item_id!r} is not valid Unicode (it holds a lone surrogate)") from None
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + encoded).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def as_utc(moment: datetime) -> datetime:
    """A date-time in UTC; one without a zone is taken as UTC."""
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
    channel: str = DEFAULT_CHANNEL
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
        return as_utc(self.created_at).date()


@dataclass(frozen=True)
class SearchHit:
    message: Message
    score: float


class MessageBatch:
    """One page of messages: ids and vectors (rows in the same order); messages built on first use."""

    def __init__(self, ids: list[str], payloads: list[dict[str, Any]], vectors: np.ndarray | None) -> None:
        self.ids = ids
        self.vectors = vectors
        self._payloads = payloads

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def messages(self) -> list[Message]:
        return [message_from_payload(payload) for payload in self._payloads]


@dataclass(frozen=True)
class Item:
    """A cluster or a topic prototype: an id, its vector and a free-form JSON payload."""

    id: str
    payload: dict[str, Any]
    vector: np.ndarray | None = None
    score: float | None = None


def message_payload(message: Message) -> dict[str, Any]:
    """The payload of a message; raises InvalidPayloadError for wrong types or non-JSON extras."""
    if not isinstance(message, Message):
        raise InvalidPayloadError(f"expected a store.Message, got {type(message).__name__}")
    if not isinstance(message.text, str):
        raise InvalidPayloadError(f"message {message.id!r}: text must be a string")
    if not isinstance(message.created_at, datetime):
        raise InvalidPayloadError(f"message {message.id!r}: created_at must be a datetime")
    try:
        created = as_utc(message.created_at)
    except OverflowError:  # e.g. 0001-01-01 at UTC+14 is before the first UTC moment a datetime holds
        raise InvalidPayloadError(f"message {message.id!r}: created_at {message.created_at} is out of range") from None
    payload: dict[str, Any] = {ID_KEY: message.id, CREATED_TS: created.timestamp()}
    fields = message.__dict__
    for name in KEYWORD_FIELDS:
        value = fields[name]
        if name == "channel" and (value is None or value == ""):
            value = DEFAULT_CHANNEL
        if value is not None:
            if value.__class__ is not str and not isinstance(value, str):
                raise InvalidPayloadError(f"message {message.id!r}: {name} must be a string or None")
            if not is_unicode(value):
                raise InvalidPayloadError(f"message {message.id!r}: {name} is not valid Unicode (a lone surrogate)")
            payload[name] = value
    rating = message.rating
    if rating is not None:
        if isinstance(rating, bool) or not isinstance(rating, numbers.Real) or not _is_finite(rating):
            raise InvalidPayloadError(f"message {message.id!r}: rating must be a finite number or None")
        rating = float(rating)
    if not isinstance(message.extra, dict):
        raise InvalidPayloadError(f"message {message.id!r}: extra must be a dict")
    clash = RESERVED_KEYS.intersection(message.extra)
    if clash:
        raise InvalidPayloadError(f"message {message.id!r}: extra may not use the field names {sorted(clash)}")
    doc = {"text": message.text, "created_at": created.isoformat(), "rating": rating, "extra": message.extra}
    try:
        payload[DOC_KEY] = _DOC_ENCODER.encode(doc)
    except (TypeError, ValueError, RecursionError) as error:
        raise InvalidPayloadError(f"message {message.id!r}: extra is not JSON-serialisable: {error}") from None
    if not is_unicode(payload[DOC_KEY]):
        where = "text" if not is_unicode(message.text) else "extra"
        raise InvalidPayloadError(f"message {message.id!r}: {where} is not valid Unicode (a lone surrogate)")
    return payload


def _is_finite(number: int | float) -> bool:
    try:
        return math.isfinite(number)
    except OverflowError:  # an int beyond the range of a float
        return False


def message_from_payload(payload: dict[str, Any]) -> Message:
    doc = json.loads(payload[DOC_KEY])
    return Message(
        id=payload[ID_KEY],
        text=doc["text"],
        created_at=datetime.fromisoformat(doc["created_at"]),
        channel=payload.get("channel") or DEFAULT_CHANNEL,
        source=payload.get("source"),
        language=payload.get("language"),
        rating=doc["rating"],
        customer_id=payload.get("customer_id"),
        customer_segment=payload.get("customer_segment"),
        topic=payload.get("topic"),
        owner=payload.get("owner"),
        sentiment=payload.get("sentiment"),
        priority=payload.get("priority"),
        cluster_id=payload.get("cluster_id"),
        extra=doc["extra"],
    )
