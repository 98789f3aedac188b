"""POST /v1/embed: vectors for texts."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from service.auth import IngestScope
from service.deps import EmbedderDep, SettingsDep
from service.json_body import StrictJsonRoute

router = APIRouter(prefix="/v1", tags=["embeddings"], dependencies=[IngestScope], route_class=StrictJsonRoute)


class EmbedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    texts: list[str] = Field(
        min_length=1,
        description="Texts to embed.",
        examples=[["Курьер опоздал на два часа", "Where is my refund?"]],
    )


class EmbedResponse(BaseModel):
    model: str
    dimension: int
    vectors: list[list[float]]


@router.post("/embed", response_model=EmbedResponse, summary="Embed texts")
def embed(request: EmbedRequest, embedder: EmbedderDep, settings: SettingsDep) -> EmbedResponse:
    if len(request.texts) > settings.max_batch:
        raise HTTPException(422, f"texts: at most {settings.max_batch} texts per call, got {len(request.texts)}")
    for index, text in enumerate(request.texts):
        if len(text) > settings.max_text_chars:
            raise HTTPException(
                422, f"texts[{index}]: longer than {settings.max_text_chars} characters ({len(text)})"
            )
    vectors = embedder.embed(request.texts)
    return EmbedResponse(model=embedder.name, dimension=embedder.dimension, vectors=vectors.tolist())
