"""Dependencies shared by the routers.

Each is a coroutine: FastAPI runs a plain function dependency in its thread pool, a thread
hand-off per dependency per request, which these lookups have no use for.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from analysis.analyzer import Analyzer
from core.settings import Settings
from embeddings.base import Embedder
from service.ingest_queue import IngestQueue
from service.state import ServiceState
from store import Store


async def get_state(request: Request) -> ServiceState:
    return request.app.state.voc


async def get_embedder(state: Annotated[ServiceState, Depends(get_state)]) -> Embedder:
    if state.embedder is None:
        raise HTTPException(status_code=503, detail="the model is not loaded yet", headers={"Retry-After": "1"})
    return state.embedder


async def get_store(state: Annotated[ServiceState, Depends(get_state)]) -> Store:
    if state.store is None:
        raise HTTPException(status_code=503, detail="the store is not open yet", headers={"Retry-After": "1"})
    return state.store


async def get_analyzer(state: Annotated[ServiceState, Depends(get_state)]) -> Analyzer:
    if state.analyzer is None:
        raise HTTPException(status_code=503, detail="the analyser is not loaded yet", headers={"Retry-After": "1"})
    return state.analyzer


async def get_app_settings(state: Annotated[ServiceState, Depends(get_state)]) -> Settings:
    return state.settings


async def get_ingest_queue(state: Annotated[ServiceState, Depends(get_state)]) -> IngestQueue:
    if state.ingest is None:
        raise HTTPException(status_code=503, detail="the analyser is not loaded yet", headers={"Retry-After": "1"})
    return state.ingest


StateDep = Annotated[ServiceState, Depends(get_state)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
AnalyzerDep = Annotated[Analyzer, Depends(get_analyzer)]
IngestQueueDep = Annotated[IngestQueue, Depends(get_ingest_queue)]
