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
from service.deps import IngestQueueDep, SettingsDep, StateDep, StoreDep
from service.ingest import ConflictError
from service.json_body import StrictJsonRoute
from service.log_privacy import redact
from service.metrics import REFUSAL_REASONS
from service.schemas.messages import Channel, MessageCreate
from service.state import ServiceState
from store import MessageFilter
from store.records import as_utc

router = APIRouter(prefix="/v1", tags=["messages"], route_class=StrictJsonRoute)
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


CREATE_DESCRIPTION = (
    "201 with the analysis. The id is the idempotency key: the same id with the same text again returns the "
    "stored analysis (200, `Idempotent-Replay: true`; other fields sent differently are not applied); another "
    "text is 409. With `replace=true` a request that differs in anything (text or other fields) is analysed "
    "again and stored in place of the earlier one (201); an identical one is still a replay."
)


@router.post("/messages", status_code=201, dependencies=[Ingest], summary="Analyse and store one message",
             description=CREATE_DESCRIPTION, response_model=dict[str, Any])
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


BATCH_DESCRIPTION = (
    "Each message is checked, analysed and stored on its own: the answer lists the stored ones "
    "(`results`: index, created, replaced, analysis; a repeat of a stored message is its stored analysis, "
    "created false) and the refused ones (`errors`: index, id, detail, status 422 for an invalid message, "
    "409 for another text under a stored id). The status is 200 when any message was stored or repeated; "
    "when none was, the same body comes with a `detail` and the status a single call would get: 409 when "
    "every message conflicts with a stored one (send replace=true to replace them), 422 otherwise."
)


@router.post("/messages:batch", dependencies=[Ingest], summary="Analyse and store up to 256 messages",
             description=BATCH_DESCRIPTION, response_model=dict[str, Any])
async def create_batch(request: BatchRequest, ingest_queue: IngestQueueDep, settings: SettingsDep, state: StateDep,
                       replace: Replace = False) -> Response:
    if len(request.messages) > settings.max_batch:
        raise HTTPException(422, f"messages: at most {settings.max_batch} per batch, got {len(request.messages)}")
    valid, errors = _checked_entries(request.messages, settings.max_text_chars)
    outcomes = await ingest_queue.submit([body for _, body in valid], replace=replace) if valid else []
    results = []
    for (index, body), outcome in zip(valid, outcomes):
        if isinstance(outcome, ConflictError):
            errors.append(_entry_error(index, body.id, redact(str(outcome)), status=409))
        else:
            results.append({"index": index, "created": outcome.created, "replaced": outcome.replaced,
                            "analysis": outcome.analysis})
    errors.sort(key=lambda e: e["index"])
    summary = {"stored": len(results), "rejected": len(errors), "results": results, "errors": errors}
    if not results:
        return _nothing_stored(summary, state)
    return JSONResponse(summary)


def _checked_entries(raw_messages: list[Any], max_chars: int) -> tuple[list[tuple[int, MessageCreate]], list[dict]]:
    """The valid messages with their indexes, and an error for each invalid one."""
    valid: list[tuple[int, MessageCreate]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_messages):
        if not isinstance(raw, dict):
            errors.append(_entry_error(index, None, f"message: expected a JSON object, got {_json_type(raw)}"))
            continue
        try:
            body = MessageCreate.model_validate(raw)
        except ValidationError as error:
            detail = redact("; ".join(f"{'.'.join(map(str, e['loc'])) or 'message'}: {e['msg']}"
                                      for e in error.errors()))
            errors.append(_entry_error(index, raw.get("id"), detail))
            continue
        too_long = text_too_long(body, max_chars)
        if too_long:
            errors.append(_entry_error(index, body.id, too_long))
        elif body.id in seen:
            errors.append(_entry_error(index, body.id, "id: duplicate id within the batch"))
        else:
            seen.add(body.id)
            valid.append((index, body))
    return valid, errors


def _entry_error(index: int, message_id: Any, detail: str, *, status: int = 422) -> dict[str, Any]:
    return {"index": index, "id": message_id, "detail": detail, "status": status}


def _nothing_stored(summary: dict[str, Any], state: ServiceState) -> JSONResponse:
    """The answer to a batch of which no message was stored: 409 when every one conflicts, else 422."""
    conflicts = sum(1 for error in summary["errors"] if error["status"] == 409)
    invalid = len(summary["errors"]) - conflicts
    if not conflicts:
        status, detail = 422, "no valid message in the batch"
    elif not invalid:
        status, detail = 409, ("no message stored: every message conflicts with one stored under its id; "
                               "send replace=true to replace them")
    else:
        status, detail = 422, f"no message stored: {invalid} invalid, {conflicts} in conflict with a stored one"
    state.metrics.rejected.labels(REFUSAL_REASONS[status]).inc()
    return JSONResponse({"detail": detail, **summary}, status_code=status)


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
@router.head("/messages/{message_id}", dependencies=[Read], include_in_schema=False)
def get_message(message_id: str, store: StoreDep) -> dict[str, Any]:
    found = store.messages.get(message_id)
    if found is None:
        raise HTTPException(404, f"message {redact(message_id)!r} is not stored")
    return found[0].extra["analysis"]


@router.get("/messages/{message_id}/similar", dependencies=[Read], summary="Nearest past messages")
@router.head("/messages/{message_id}/similar", dependencies=[Read], include_in_schema=False)
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
    since, until = _in_utc("since", since), _in_utc("until", until)
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


def _in_utc(name: str, moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    try:
        return as_utc(moment)
    except OverflowError:
        raise HTTPException(422, f"{name}: {moment.isoformat()} is out of range once converted to UTC") from None
