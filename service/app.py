"""The FastAPI application factory: models load in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from core.errors import InvalidTextError
from core.settings import Settings, get_settings
from service.routes import embed, health
from service.state import ServiceState


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from embeddings.loader import load_embedder

        state: ServiceState = app.state.voc
        state.embedder = load_embedder(
            settings.model,
            settings.models_dir,
            providers=settings.providers,
            threads=settings.intra_op_threads,
            batch_size=settings.embed_batch_size,
            max_tokens=settings.max_tokens,
        )
        yield
        state.embedder = None

    app = FastAPI(
        title="VOC Radar",
        version="0.1.0",
        summary="Topics with owners, sentiment, emerging clusters and priority for customer messages.",
        lifespan=lifespan,
    )
    app.state.voc = ServiceState(settings=settings)
    app.include_router(health.router)
    app.include_router(embed.router)

    @app.exception_handler(InvalidTextError)
    async def invalid_text(_: Request, error: InvalidTextError) -> JSONResponse:
        return JSONResponse(status_code=422, content={"detail": str(error)})

    return app
