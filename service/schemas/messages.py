"""Request and response bodies of the routing API (``/v1/messages``)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from core.errors import InvalidTextError
from core.ratings import RatingError, RatingScale, normalise_rating
from core.text import clean_text, is_unicode

MAX_METADATA_DEPTH = 32
EARLIEST_CREATED_AT = datetime(1970, 1, 1, tzinfo=UTC)
LANGUAGE_HINT = re.compile(r"[A-Za-z]{2}(?:[-_][A-Za-z0-9]{2,8})*")  # ru, ru-RU, zh-Hant-TW, ca-ES-valencia
A_NUMBER = re.compile(r"\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*")
FUTURE_TOLERANCE = timedelta(days=1)  # clocks of the sending systems may run ahead


def _check_json_data(value: Any) -> None:
    """Refuse JSON-like data nested deeper than MAX_METADATA_DEPTH or holding NaN / infinity, or a
    string (value or key) with a lone surrogate (a JSON escape such as "\\ud800" alone), which
    cannot be stored as UTF-8.

    Walked without recursion: hostile input may be very deep.
    """
    stack: list[tuple[Any, int, str]] = [(value, 1, "metadata")]
    while stack:
        item, level, path = stack.pop()
        if isinstance(item, float) and not math.isfinite(item):
            raise ValueError(f"{path}: {item} is not a JSON number (NaN and infinity cannot be stored)")
        if isinstance(item, str) and not is_unicode(item):
            raise ValueError(f"{path}: not valid Unicode (a lone surrogate)")
        if isinstance(item, dict) and not all(is_unicode(key) for key in item):
            raise ValueError(f"{path}: a key is not valid Unicode (a lone surrogate)")
        if isinstance(item, dict | list):
            if level > MAX_METADATA_DEPTH:
                raise ValueError(f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            stack.extend((child, level + 1, f"{path}.{key}" if isinstance(item, dict) else f"{path}[{key}]")
                         for key, child in children)


def _is_number(value: Any) -> bool:
    """A string holding only a number, which a lax parser would take as seconds since 1970."""
    return isinstance(value, str) and A_NUMBER.fullmatch(value) is not None


class Channel(StrEnum):
    chat = "chat"
    app_review = "app_review"
    survey = "survey"
    email = "email"
    social = "social"
    call = "call"
    other = "other"


class Customer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str = Field(min_length=1, max_length=200)
    segment: str | None = Field(None, max_length=50, examples=["vip"])


class MessageBase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1, max_length=200, description="The caller's id; also the idempotency key.")
    text: str = Field(min_length=1, description="The customer's words, as received.")
    channel: Channel = Channel.other
    source: str | None = Field(None, max_length=100, examples=["google_play", "csat_survey"])
    created_at: datetime | None = Field(
        None, description="When the customer wrote (ISO 8601; without an offset, UTC); defaults to now.")
    rating_scale: RatingScale | None = None
    rating: float | None = Field(None, strict=True, validate_default=True,
                                 description="The customer's own score on rating_scale.")
    customer: Customer | None = None
    order_id: str | None = Field(None, max_length=200)
    language: str | None = Field(
        None, max_length=35, examples=["ru"],
        description="A language hint (ISO 639-1, also a tag such as ru-RU or zh-Hant-TW, of which the language is "
                    "taken); one not among the configured languages (VOC_LANGUAGES) is answered as other.")
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("id")
    @classmethod
    def _addressable(cls, message_id: str) -> str:
        if "/" in message_id:
            raise ValueError("must not contain '/': the id is part of the message's URL (GET /v1/messages/{id})")
        return message_id

    @field_validator("language")
    @classmethod
    def _language_code(cls, hint: str | None) -> str | None:
        if hint is not None and not LANGUAGE_HINT.fullmatch(hint):
            raise ValueError("must be an ISO 639-1 language code such as ru or en (a region may follow: ru-RU)")
        return hint

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        try:
            clean_text(text)
        except InvalidTextError:
            raise ValueError("text is empty or only whitespace or invisible characters") from None
        return text

    @field_validator("metadata")
    @classmethod
    def _storable(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        _check_json_data(metadata)
        return metadata

    @field_validator("created_at", mode="before")
    @classmethod
    def _a_date_string(cls, value: Any) -> Any:
        if value is not None and (not isinstance(value, str | datetime) or _is_number(value)):
            raise ValueError("expected an ISO 8601 date-time string (YYYY-MM-DDThh:mm:ss with a zone such as +03:00)")
        return value

    @field_validator("created_at")
    @classmethod
    def _aware_and_plausible(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            in_utc = value.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range once converted to UTC") from None
        latest = datetime.now(UTC) + FUTURE_TOLERANCE
        if not EARLIEST_CREATED_AT <= in_utc <= latest:
            raise ValueError(f"must not be before {EARLIEST_CREATED_AT.year} nor more than a day ahead of "
                             f"now (UTC); the time given is {in_utc.isoformat()} in UTC")
        return value

    @field_validator("rating")
    @classmethod
    def _rating_on_scale(cls, rating: float | None, info: ValidationInfo) -> float | None:
        if "rating_scale" not in info.data:  # the scale itself was refused; that error names it
            return rating
        scale = info.data["rating_scale"]
        if rating is None and scale is None:
            return None
        if rating is None:
            raise ValueError(f"missing: rating_scale {scale.value!r} is given without a rating")
        if scale is None:
            raise ValueError("rating_scale is required with a rating (stars_1_5, csat_1_5, nps_0_10, ces_1_7)")
        try:
            normalise_rating(rating, scale)
        except RatingError as error:
            raise ValueError(str(error)) from error
        return rating


class MessageCreate(MessageBase):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{
                "id": "ticket-184467",
                "text": "Курьер опоздал на два часа, а молоко оказалось просроченным. Верните деньги!",
                "channel": "chat",
                "source": "support_chat",
                "created_at": "2026-11-20T09:15:00+03:00",
                "rating": 1,
                "rating_scale": "csat_1_5",
                "customer": {"id": "c-5521", "segment": "vip"},
                "order_id": "A-99812",
            }]
        },
    )
