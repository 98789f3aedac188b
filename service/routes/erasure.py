"""Erasure: one message, a customer's messages (a request to remove their data), or messages
older than a retention limit. Admin scope; the messages' texts also leave the cluster examples."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from service.auth import AdminScope
from service.deps import SettingsDep, StoreDep
from service.json_body import StrictJsonRoute

router = APIRouter(prefix="/v1", tags=["erasure"], route_class=StrictJsonRoute)
logger = logging.getLogger("voc.erasure")


class EraseRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"customer_id": "c-1042"}, {"before": "2025-12-01T00:00:00+03:00"}]})
    customer_id: str | None = Field(None, min_length=1, max_length=200,
                                    description="Erase every message of this customer.")
    before: datetime | None = Field(None, description="Erase every message created before this moment (retention); "
                                                      "with customer_id, only that customer's.")

    @field_validator("customer_id")
    @classmethod
    def _not_blank(cls, customer_id: str | None) -> str | None:
        if customer_id is not None and not customer_id.strip():
            raise ValueError("is blank; give the id of the customer whose messages are erased")
        return customer_id

    @field_validator("before")
    @classmethod
    def _in_the_past(cls, before: datetime | None) -> datetime | None:
        from jobs.erasure import retention_limit

        return retention_limit(before) if before is not None else None

    @model_validator(mode="after")
    def _something_chosen(self) -> EraseRequest:
        if self.customer_id is None and self.before is None:
            raise ValueError("give customer_id, before or both: nothing is erased wholesale")
        return self


class ErasureAnswer(BaseModel):
    deleted: int = Field(description="Messages erased.")
    examples_removed: int = Field(description="Example messages taken out of the cluster registry.")


@router.post("/admin/erase", dependencies=[AdminScope], response_model=ErasureAnswer,
             responses={409: {"description": "a nightly run is going on; try again when it has finished"}},
             summary="Erase a customer's messages, or those older than a retention limit")
def erase(request: EraseRequest, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    from jobs.erasure import erase_where

    erasure = _locked_out(lambda: erase_where(store, settings.data_dir / "clusters",
                                              customer_id=request.customer_id, before=request.before))
    logger.info("erased %d messages (%s), %d cluster examples", erasure.messages,
                "a customer's" if request.customer_id else "retention", erasure.examples)
    return erasure.as_dict()


@router.delete("/messages/{message_id}", dependencies=[AdminScope], response_model=ErasureAnswer,
               responses={404: {"description": "no message with this id, nor a cluster example of one"}},
               summary="Erase one message")
def erase_message(message_id: str, store: StoreDep, settings: SettingsDep) -> dict[str, Any]:
    from jobs.erasure import erase_ids

    erasure = _locked_out(lambda: erase_ids(store, settings.data_dir / "clusters", [message_id]))
    if not erasure.messages and not erasure.examples:
        raise HTTPException(404, "no message with this id")
    return erasure.as_dict()


def _locked_out(erase):
    from jobs.state import RunLockedError

    try:
        return erase()
    except RunLockedError:
        raise HTTPException(409, "a nightly run is going on; erasure waits for it: try again when it has finished",
                            headers={"Retry-After": "60"}) from None
