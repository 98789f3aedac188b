"""Ingesting messages: idempotency, analysis and storage, shared by the single and batch routes."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from analysis.analyzer import Analyzer, IncomingMessage
from service.schemas.messages import MessageCreate
from store import Message, Store


class ConflictError(Exception):
    """A known id arrived with another text and the caller did not ask to replace it."""


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def request_digest(body: MessageCreate) -> str:
    """A digest of everything the caller sent for a message, whatever the spelling: the time in UTC,
    keys in order. Two sends with one digest ask for the same analysis."""
    fields = body.model_dump(mode="json", exclude={"created_at"})
    if body.created_at is not None:
        fields["created_at"] = body.created_at.astimezone(UTC).isoformat()
    canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return text_digest(canonical)


def to_incoming(body: MessageCreate) -> IncomingMessage:
    return IncomingMessage(
        id=body.id,
        text=body.text,
        channel=body.channel.value,
        source=body.source,
        created_at=body.created_at,
        rating=body.rating,
        rating_scale=body.rating_scale.value if body.rating_scale else None,
        customer_id=body.customer.id if body.customer else None,
        customer_segment=body.customer.segment if body.customer else None,
        order_id=body.order_id,
        language=body.language,
        metadata=body.metadata,
    )


@dataclass
class IngestOutcome:
    analysis: dict[str, Any]
    created: bool  # False when an earlier identical call's analysis is returned
    replaced: bool = False  # True when the call replaced what an earlier one stored under its id


@dataclass(frozen=True)
class _Digests:
    text: str
    request: str

    @classmethod
    def of(cls, body: MessageCreate) -> _Digests:
        return cls(text_digest(body.text), request_digest(body))

    def repeats(self, previous: Message) -> bool:
        """The stored message came from the same request (from the same text, for one stored
        before requests were digested)."""
        stored = previous.extra.get("request_sha256")
        return stored == self.request if stored else previous.extra.get("text_sha256") == self.text

    def same_text(self, previous: Message) -> bool:
        return previous.extra.get("text_sha256") == self.text


def ingest(analyzer: Analyzer, store: Store, bodies: Sequence[MessageCreate], *, replace: bool = False
           ) -> list[IngestOutcome | ConflictError]:
    """Analyse and store new messages; a known id returns its stored analysis (counted once) when its
    text is the same, unless ``replace`` is asked and anything in the request differs: then it is analysed
    again and stored in place of the earlier one."""
    digests = [_Digests.of(body) for body in bodies]
    stored = {message.id: message for message in store.messages.get_many([b.id for b in bodies]).messages}
    outcomes: list[IngestOutcome | ConflictError | None] = [None] * len(bodies)
    fresh: list[int] = []
    for index, body in enumerate(bodies):
        previous = stored.get(body.id)
        if previous is None or replace and not digests[index].repeats(previous):
            fresh.append(index)
        elif digests[index].same_text(previous):
            outcomes[index] = IngestOutcome(previous.extra["analysis"], created=False)
        else:
            outcomes[index] = ConflictError(
                f"message {body.id!r} is already stored with another text; send replace=true to replace it"
            )
    if fresh:
        analyses, vectors = analyzer.analyse([to_incoming(bodies[i]) for i in fresh])
        records = [to_record(analysis, digests[i].text, digests[i].request) for analysis, i in zip(analyses, fresh)]
        store.messages.upsert(records, vectors)
        for analysis, index in zip(analyses, fresh):
            outcomes[index] = IngestOutcome(analysis, created=True, replaced=bodies[index].id in stored)
    return [outcome for outcome in outcomes if outcome is not None]


def to_record(analysis: dict[str, Any], digest: str, request_sha256: str | None = None) -> Message:
    return Message(
        id=analysis["id"],
        text=analysis["text"],
        created_at=datetime.fromisoformat(analysis["created_at"]).astimezone(UTC),
        channel=analysis["channel"],
        source=analysis["source"],
        language=analysis["language"],
        rating=analysis["rating"],
        customer_id=analysis["customer_id"],
        customer_segment=analysis["customer_segment"],
        topic=analysis["topic"]["topic_id"],
        owner=analysis["topic"]["owner"],
        sentiment=analysis["sentiment"]["label"],
        priority=analysis["priority"]["level"],
        cluster_id=analysis["cluster"]["cluster_id"] if analysis["cluster"] else None,
        extra={"analysis": analysis, "text_sha256": digest,
               **({"request_sha256": request_sha256} if request_sha256 else {})},
    )
