"""`voc serve`: run the HTTP service."""

from __future__ import annotations

import sys
import traceback
from typing import Annotated, Any

import typer

from core.settings import Settings, get_settings

STARTUP_FAILED = 3  # as uvicorn exits when the application cannot start


def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (default VOC_HOST or 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(min=1, max=65535, help="Port, 1–65535 (default VOC_PORT or 8000).")
                    ] = None,
) -> None:
    """Start the VOC Radar service on the configured model and store.

    When it cannot start (the store held by another process, a model or taxonomy that does not
    load, …) it says why in one line and exits with code 3."""
    import uvicorn

    from core.errors import VocError
    from service.app import create_app
    from service.store_config import check_embedded_store_free

    settings = get_settings()
    problem = _configuration_problem(settings)
    if problem is not None:
        typer.echo(f"error: the service could not start: {problem}", err=True)
        raise typer.Exit(STARTUP_FAILED)
    try:
        check_embedded_store_free(settings)
    except VocError as error:
        _report_startup_failure(error)
        raise typer.Exit(STARTUP_FAILED) from None
    app = StartupErrors(create_app(settings))
    # uvicorn annotates timeout_keep_alive as int but only hands it to loop.call_later, which takes a float
    config = uvicorn.Config(app, host=host or settings.host, port=port if port is not None else settings.port,
                            log_level="info", lifespan="on", timeout_keep_alive=settings.keep_alive_s)  # type: ignore[arg-type]
    try:
        uvicorn.Server(config).run()
    except SystemExit:  # the server exits when start-up fails
        if app.error is None:  # it said why itself (e.g. the port is taken)
            raise
        _report_startup_failure(app.error)
        raise typer.Exit(STARTUP_FAILED) from None


def _configuration_problem(settings: Settings) -> str | None:
    """The VOC_* values that read well one by one but that the service cannot start on, named in one
    line before any model loads (instead of a traceback from deep inside the start-up)."""
    from language.detect import LanguageDetector

    if settings.store_backend == "server" and not settings.qdrant_url:
        return "VOC_STORE_BACKEND=server needs VOC_QDRANT_URL, the Qdrant server's URL; it is not set"
    try:
        LanguageDetector(settings.languages)
    except ValueError as error:
        return f"VOC_LANGUAGES: {error}"
    files = {"VOC_TAXONOMY": settings.taxonomy, "VOC_PRIORITY_POLICY": settings.priority_policy}
    folders = {"VOC_TOPIC_HEAD": settings.topic_head, "VOC_SENTIMENT_HEAD": settings.sentiment_head}
    for name, path in files.items():
        if path is not None and not path.is_file():
            return f"{name}={str(path)!r}: no such file"
    for name, path in folders.items():
        if path is not None and not path.is_dir():
            return f"{name}={str(path)!r}: no such folder"
    return None


class StartupErrors:
    """The ASGI application, keeping the exception that stopped its start-up (``error``) instead
    of letting the server log its traceback; requests and shutdown pass through unchanged."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.error: BaseException | None = None

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "lifespan":
            await self.app(scope, receive, send)
            return
        started = False

        async def send_quietly(message: dict[str, Any]) -> None:
            nonlocal started
            started = started or message["type"] == "lifespan.startup.complete"
            if message["type"] == "lifespan.startup.failed":
                # sent while the application handles the exception: keep it, and say it in one line
                # once the server has stopped instead of the traceback the message carries
                self.error = sys.exc_info()[1]
                message = {**message, "message": ""}
            await send(message)

        try:
            await self.app(scope, receive, send_quietly)
        except BaseException as error:
            if not started and self.error is None:
                self.error = error
            raise


def _report_startup_failure(error: BaseException) -> None:
    from cli.user_errors import one_line, user_error_message
    from service.store_config import StartupInterrupted, StoreUnavailableAtStartup

    message = user_error_message(error)
    if message is None and isinstance(error, (StoreUnavailableAtStartup, StartupInterrupted)):
        message = one_line(str(error))
    if message is None:  # not a known mistake: the whole traceback helps more than one line
        traceback.print_exception(error, file=sys.stderr)
        message = f"{type(error).__name__}: {one_line(str(error))}"
    typer.echo(f"error: the service could not start: {message}", err=True)
