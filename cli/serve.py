"""`voc serve`: run the HTTP service."""

from __future__ import annotations

from typing import Annotated

import typer

from core.settings import get_settings


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default VOC_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default VOC_PORT or 8000).")] = None,
) -> None:
    """Start the VOC Radar service on the configured model and store."""
    import uvicorn

    from service.app import create_app

    settings = get_settings()
    uvicorn.run(create_app(settings), host=host or settings.host, port=port or settings.port, log_level="info",
                timeout_keep_alive=settings.keep_alive_s)
