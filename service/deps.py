"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from analysis.analyzer import Analyzer
from core.settings import Settings
from embeddings.base import Embedder
from service.state import ServiceState
from store import Store


def get_state(request: Request) -> ServiceState:
    return request.app.state.voc


def get_embedder(state: Annotated[ServiceState, Depends(get_state)]) -> Embedder:
    if state.embedder is None:
        raise HTTPException(status_code=503, detail="the model is not loaded yet", headers={"Retry-After": "1"})
    return state.embedder


def get_store(state: Annotated[ServiceState, Depends(get_state)]) -> Store:
    if state.store is None:
        raise HTTPException(status_code=503, detail="the store is not open yet", headers={"Retry-After": "1"})
    return state.store


def get_analyzer(state: Annotated[ServiceState, Depends(get_state)]) -> Analyzer:
    if state.analyzer is None:
        raise HTTPException(status_code=503, detail="the analyser is not loaded yet", headers={"Retry-After": "1"})
    return state.analyzer


def get_app_settings(state: Annotated[ServiceState, Depends(get_state)]) -> Settings:
    return state.settings


StateDep = Annotated[ServiceState, Depends(get_state)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
StoreDep = Annotated[Store, Depends(get_store)]
AnalyzerDep = Annotated[Analyzer, Depends(get_analyzer)]
