"""Ingesting messages: idempotency, analysis and storage, shared by the single and batch routes."""

from __future__ import annotations

import hashlib
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


def ingest(analyzer: Analyzer, store: Store, bodies: Sequence[MessageCreate], *, replace: bool = False
           ) -> list[IngestOutcome | ConflictError]:
    """Analyse and store new messages; known ids return their stored analysis (counted once)."""
    digests = [text_digest(body.text) for body in bodies]
    stored = {message.id: message for message in store.messages.get_many([b.id for b in bodies]).messages}
    outcomes: list[IngestOutcome | ConflictError | None] = [None] * len(bodies)
    fresh: list[int] = []
    for index, body in enumerate(bodies):
        previous = stored.get(body.id)
        if previous is None or replace and previous.extra.get("text_sha256") != digests[index]:
            fresh.append(index)
        elif previous.extra.get("text_sha256") == digests[index]:
            outcomes[index] = IngestOutcome(previous.extra["analysis"], created=False)
        else:
            outcomes[index] = ConflictError(
                f"message {body.id!r} is already stored with another text; send replace=true to replace it"
            )
    if fresh:
        analyses, vectors = analyzer.analyse([to_incoming(bodies[i]) for i in fresh])
        records = [to_record(analysis, digests[i]) for analysis, i in zip(analyses, fresh)]
        store.messages.upsert(records, vectors)
        for analysis, index in zip(analyses, fresh):
            outcomes[index] = IngestOutcome(analysis, created=True)
    return [outcome for outcome in outcomes if outcome is not None]


def to_record(analysis: dict[str, Any], digest: str) -> Message:
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
        extra={"analysis": analysis, "text_sha256": digest},
    )
