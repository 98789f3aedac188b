"""Dependencies shared by the routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request

from core.settings import Settings
from embeddings.base import Embedder
from service.state import ServiceState


def get_state(request: Request) -> ServiceState:
    return request.app.state.voc


def get_embedder(state: Annotated[ServiceState, Depends(get_state)]) -> Embedder:
    if state.embedder is None:
        raise HTTPException(status_code=503, detail="the model is not loaded yet", headers={"Retry-After": "1"})
    return state.embedder


def get_app_settings(state: Annotated[ServiceState, Depends(get_state)]) -> Settings:
    return state.settings


StateDep = Annotated[ServiceState, Depends(get_state)]
EmbedderDep = Annotated[Embedder, Depends(get_embedder)]
SettingsDep = Annotated[Settings, Depends(get_app_settings)]
