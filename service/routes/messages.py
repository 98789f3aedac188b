"""The routing API: analyse, store and prioritise messages; read them back; find similar ones.

Ingest routes are coroutines that wait on the ingest queue (no thread per call) and answer
with the stored analysis as plain JSON (it is JSON already: it is what the store holds).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from service.auth import require_any_scope
from service.deps import IngestQueueDep, SettingsDep, StoreDep
from service.ingest import ConflictError
from service.log_privacy import redact
from service.schemas.messages import Channel, MessageCreate
from store import MessageFilter
from store.records import as_utc

router = APIRouter(prefix="/v1", tags=["messages"])
Ingest = Depends(require_any_scope("ingest"))
Read = Depends(require_any_scope("ingest", "analyst"))


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    messages: list[Any] = Field(
        min_length=1, description="Up to 256 messages, each an object as in POST /v1/messages.")


Replace = Annotated[bool, Query(description="Replace the stored text of an id that is already stored")]


def text_too_long(body: MessageCreate, max_chars: int) -> str | None:
    """The error for a text over the configured limit, or None."""
    if len(body.text) > max_chars:
        return f"text: longer than {max_chars} characters ({len(body.text)})"
    return None


@router.post("/messages", status_code=201, dependencies=[Ingest], summary="Analyse and store one message",
             response_model=dict[str, Any])
async def create_message(body: MessageCreate, ingest_queue: IngestQueueDep, settings: SettingsDep,
                         replace: Replace = False) -> Response:
    too_long = text_too_long(body, settings.max_text_chars)
    if too_long:
        raise HTTPException(422, too_long)
    (outcome,) = await ingest_queue.submit([body], replace=replace)
    if isinstance(outcome, ConflictError):
        raise HTTPException(409, redact(str(outcome)))
    if not outcome.created:
        return JSONResponse(outcome.analysis, status_code=200, headers={"Idempotent-Replay": "true"})
    return JSONResponse(outcome.analysis, status_code=201)


@router.post("/messages:batch", dependencies=[Ingest], summary="Analyse and store up to 256 messages",
             response_model=dict[str, Any])
async def create_batch(request: BatchRequest, ingest_queue: IngestQueueDep, settings: SettingsDep,
                       replace: Replace = False) -> Response:
    if len(request.messages) > settings.max_batch:
        raise HTTPException(422, f"messages: at most {settings.max_batch} per batch, got {len(request.messages)}")
    valid: list[tuple[int, MessageCreate]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(request.messages):
        if not isinstance(raw, dict):
            errors.append({"index": index, "id": None,
                           "detail": f"message: expected a JSON object, got {_json_type(raw)}"})
            continue
        try:
            body = MessageCreate.model_validate(raw)
        except ValidationError as error:
            detail = redact("; ".join(f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
                                      for e in error.errors()))
            errors.append({"index": index, "id": raw.get("id"), "detail": detail})
            continue
        too_long = text_too_long(body, settings.max_text_chars)
        if too_long:
            errors.append({"index": index, "id": body.id, "detail": too_long})
            continue
        if body.id in seen:
            errors.append({"index": index, "id": body.id, "detail": "id: duplicate id within the batch"})
            continue
        seen.add(body.id)
        valid.append((index, body))
    if not valid:  # counted under voc_rejected_total by the app's handler, as every refusal
        raise HTTPException(422, {"message": "no valid message in the batch", "errors": errors})
    outcomes = await ingest_queue.submit([body for _, body in valid], replace=replace)
    results = []
    for (index, body), outcome in zip(valid, outcomes):
        if isinstance(outcome, ConflictError):
            errors.append({"index": index, "id": body.id, "detail": redact(str(outcome)), "status": 409})
        else:
            results.append({"index": index, "created": outcome.created, "analysis": outcome.analysis})
    errors.sort(key=lambda e: e["index"])
    return JSONResponse({"stored": len(results), "rejected": len(errors), "results": results, "errors": errors})


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return type(value).__name__


@router.get("/messages/{message_id}", dependencies=[Read], summary="A stored message's analysis")
def get_message(message_id: str, store: StoreDep) -> dict[str, Any]:
    found = store.messages.get(message_id)
    if found is None:
        raise HTTPException(404, f"message {redact(message_id)!r} is not stored")
    return found[0].extra["analysis"]


@router.get("/messages/{message_id}/similar", dependencies=[Read], summary="Nearest past messages")
def similar(
    message_id: str,
    store: StoreDep,
    limit: Annotated[int, Query(ge=1, le=100)] = 10,
    customer_id: str | None = None,
    topic: str | None = None,
    channel: Channel | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> dict[str, Any]:
    since, until = (as_utc(moment) if moment else None for moment in (since, until))
    if since is not None and until is not None and since > until:
        raise HTTPException(422, f"since: {since.isoformat()} is after until ({until.isoformat()})")
    found = store.messages.get(message_id, with_vector=True)
    if found is None:
        raise HTTPException(404, f"message {redact(message_id)!r} is not stored")
    flt = MessageFilter(created_from=since, created_to=until, customer_id=customer_id, topic=topic,
                        channel=channel.value if channel else None)
    hits = store.messages.search(found[1], flt, limit=limit + 1)
    items = [
        {"id": hit.message.id, "similarity": round(hit.score, 4), "text": hit.message.text,
         "created_at": hit.message.created_at.isoformat(), "topic": hit.message.topic,
         "sentiment": hit.message.sentiment, "customer_id": hit.message.customer_id}
        for hit in hits if hit.message.id != message_id
    ][:limit]
    return {"id": message_id, "similar": items}
