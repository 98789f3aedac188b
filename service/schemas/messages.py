"""Request and response bodies of the routing API (``/v1/messages``)."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from core.ratings import RatingError, RatingScale, normalise_rating

MAX_METADATA_DEPTH = 32


def _depth(value: Any) -> int:
    """Nesting depth of JSON-like data, counted without recursion (hostile input may be very deep)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


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
    created_at: datetime | None = Field(None, description="When the customer wrote; defaults to now.")
    rating: float | None = Field(None, description="The customer's own score on rating_scale.")
    rating_scale: RatingScale | None = None
    customer: Customer | None = None
    order_id: str | None = Field(None, max_length=200)
    language: str | None = Field(None, max_length=10, description="A language hint (ISO 639-1).")
    metadata: dict[str, Any] = Field(default_factory=dict)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, text: str) -> str:
        if not text.strip():
            raise ValueError("text is empty or only whitespace")
        return text

    @field_validator("metadata")
    @classmethod
    def _shallow(cls, metadata: dict[str, Any]) -> dict[str, Any]:
        if _depth(metadata) > MAX_METADATA_DEPTH:
            raise ValueError(f"metadata is nested deeper than {MAX_METADATA_DEPTH} levels")
        return metadata

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value

    @model_validator(mode="after")
    def _rating_on_scale(self) -> MessageBase:
        if self.rating is None and self.rating_scale is None:
            return self
        if self.rating is None or self.rating_scale is None:
            raise ValueError("rating and rating_scale must be given together")
        try:
            normalise_rating(self.rating, self.rating_scale)
        except RatingError as error:
            raise ValueError(str(error)) from error
        return self


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
