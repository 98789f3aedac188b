"""The FastAPI application factory: models load in the lifespan, never at import."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from core.errors import InvalidTextError
from core.memory import startup_state_frozen
from core.settings import Settings, get_settings
from core.threads import limit_blas_threads
from service.json_body import UnreadableBody
from service.limits import LimitsMiddleware
from service.log_privacy import install_log_redaction, redact
from service.metrics import REFUSAL_REASONS, LatencyMiddleware, ServiceMetrics
from service.routes import backups, clusters, embed, erasure, health, messages, topics
from service.routes import workbench as workbench_routes
from service.state import ServiceState
from service.store_config import open_configured_store
from service.strict_query import refuse_unknown_query
from store.errors import BackendError, InvalidIdError


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    metrics = ServiceMetrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        from analysis.factory import build_analyzer
        from embeddings.batcher import BatchingEmbedder
        from embeddings.loader import load_embedder
        from service.cluster_runs import ClusterRuns
        from service.ingest_queue import IngestQueue
        from workbench.paths import WorkbenchPaths, active_taxonomy

        install_log_redaction()  # after the server has configured its loggers
        limit_blas_threads(settings.blas_threads)
        state: ServiceState = app.state.voc
        model = load_embedder(
            settings.model,
            settings.models_dir,
            providers=settings.providers,
            threads=settings.intra_op_threads,
            spinning=settings.intra_op_spinning,
            batch_size=settings.embed_batch_size,
            max_tokens=settings.max_tokens,
        )
        batcher = BatchingEmbedder(
            model, max_batch=settings.batch_max_texts, max_wait_s=settings.batch_wait_ms / 1000
        )
        state.embedder = batcher
        state.store = open_configured_store(settings, model.dimension)
        state.clusters = ClusterRuns(state.store, settings.data_dir / "clusters",
                                     decisions_path=WorkbenchPaths.of(settings.data_dir, settings.taxonomy).decisions)
        try:
            state.analyzer = build_analyzer(
                batcher,
                model_name=model.name,
                taxonomy_path=active_taxonomy(settings.taxonomy, settings.data_dir),
                topic_head=settings.topic_head,
                sentiment_head=settings.sentiment_head,
                priority_policy=settings.priority_policy,
                rating_weight=settings.rating_weight,
                languages=settings.languages,
                history=state.store.messages,
                clusters=state.clusters.matcher,
            )
            state.ingest = IngestQueue(_ingest_into(state), max_messages=settings.batch_max_texts)
            state.shared_state = _shared_state_watcher(state, settings).start()
            state.nightly = _nightly_schedule(state, settings)
            try:
                with startup_state_frozen():
                    yield
            finally:
                if state.nightly is not None:
                    state.nightly.close()
                state.shared_state.close()
        finally:
            if state.ingest is not None:
                state.ingest.close()
                state.ingest = None
            state.analyzer = None
            state.embedder = None
            batcher.close()
            state.clusters.close()
            state.store.close()
            state.store = None

    app = FastAPI(
        title="VOC Radar",
        version="0.1.0",
        summary="Topics with owners, sentiment, emerging clusters and priority for customer messages.",
        lifespan=lifespan,
        dependencies=[Depends(refuse_unknown_query)],
    )
    app.state.voc = ServiceState(settings=settings, metrics=metrics)
    app.include_router(health.router)
    app.include_router(embed.router)
    app.include_router(messages.router)
    app.include_router(topics.router)
    app.include_router(clusters.router)
    app.include_router(erasure.router)
    app.include_router(backups.router)
    app.include_router(workbench_routes.router)

    @app.get("/metrics", include_in_schema=False)
    @app.head("/metrics", include_in_schema=False)
    def prometheus() -> Response:
        return Response(metrics.render(), media_type="text/plain; version=0.0.4")

    @app.exception_handler(StarletteHTTPException)
    async def refused(request: Request, error: StarletteHTTPException) -> Response:
        reason = REFUSAL_REASONS.get(error.status_code)  # 401, 403, 404, 405, 409, 422 …
        if reason is not None:
            metrics.rejected.labels(reason).inc()
        return await http_exception_handler(request, error)

    @app.exception_handler(UnreadableBody)
    async def unreadable_body(_: Request, error: UnreadableBody) -> JSONResponse:
        metrics.rejected.labels("invalid_request").inc()
        return JSONResponse(status_code=422, content={
            "detail": error.detail, "errors": [{"field": "body", "message": error.message}]})

    @app.exception_handler(BackendError)
    async def store_unavailable(_: Request, error: BackendError) -> JSONResponse:
        metrics.rejected.labels("store_unavailable").inc()
        return JSONResponse(status_code=503, content={"detail": str(error)}, headers={"Retry-After": "5"})

    @app.exception_handler(InvalidIdError)
    async def invalid_id(_: Request, error: InvalidIdError) -> JSONResponse:
        metrics.rejected.labels("invalid_request").inc()
        return JSONResponse(status_code=422, content={"detail": f"id: {redact(str(error))[:200]}"})

    @app.exception_handler(InvalidTextError)
    async def invalid_text(_: Request, error: InvalidTextError) -> JSONResponse:
        metrics.rejected.labels("invalid_text").inc()
        return JSONResponse(status_code=422, content={"detail": str(error)})

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> JSONResponse:
        problems = error.errors()
        content_type = request.headers.get("content-type")
        expects_body = any(item.get("loc", ())[:1] == ("body",) for item in problems)
        if expects_body and content_type and not _is_json(content_type):
            metrics.rejected.labels("unsupported_media_type").inc()
            return JSONResponse(status_code=415, content={
                "detail": f"Content-Type must be application/json, got {redact(content_type)[:100]!r}"})
        metrics.rejected.labels("invalid_request").inc()
        details = [_problem(item) for item in problems]
        summary = "; ".join(f"{d['field'] or 'body'}: {d['message']}" for d in details)
        return JSONResponse(status_code=422, content={"detail": summary, "errors": details})

    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_methods=["*"],
                           allow_headers=["*"])
    app.add_middleware(
        LimitsMiddleware,
        max_in_flight=settings.max_in_flight,
        max_body_bytes=settings.max_body_bytes,
        timeout_s=settings.request_timeout_s,
        on_reject=lambda reason: metrics.rejected.labels(reason).inc(),
    )
    app.add_middleware(LatencyMiddleware, metrics=metrics)
    return app


def _is_json(content_type: str) -> bool:
    media_type = content_type.split(";", 1)[0].strip().lower()
    return media_type == "application/json" or (media_type.startswith("application/") and media_type.endswith("+json"))


def _problem(item: dict) -> dict[str, str]:
    """One validation problem as the field at fault and a message; a body that is not JSON is named as such."""
    if item.get("type") == "json_invalid":
        position = item.get("loc", ("body", "?"))[-1]
        reason = (item.get("ctx") or {}).get("error", "")
        return {"field": "body", "message": f"not valid JSON at character {position}: {reason}".rstrip(": ")}
    return {"field": redact(".".join(str(p) for p in item.get("loc", ()) if p != "body")),
            "message": redact(str(item.get("msg")))}


def _ingest_into(state: ServiceState):
    """The ingest queue's round: the analyser in force when the round starts, the open store;
    each message stored for the first time is counted by topic, owner, sentiment and priority, each
    replaced one as a replacement."""
    from service.ingest import IngestOutcome, ingest

    def run(bodies, replace: bool):
        if state.analyzer is None or state.store is None:
            raise HTTPException(503, "the service is shutting down", headers={"Retry-After": "1"})
        outcomes = ingest(state.analyzer, state.store, bodies, replace=replace)
        for outcome in outcomes:
            if isinstance(outcome, IngestOutcome) and outcome.replaced:
                state.metrics.replaced.inc()
            elif isinstance(outcome, IngestOutcome) and outcome.created:
                state.metrics.count_analysis(outcome.analysis)
        return outcomes

    return run


def _nightly_schedule(state: ServiceState, settings: Settings):
    """The daily re-clustering run inside the service, or None when VOC_RECLUSTER_DAILY_AT is off."""
    from core.timeofday import parse_daily_at
    from jobs import ReclusterSettings
    from service.nightly import NightlySchedule

    at = parse_daily_at(settings.recluster_daily_at)
    if at is None:
        return None
    runs = state.clusters
    assert runs is not None  # set by the lifespan before the schedule is made
    return NightlySchedule(at, settings.recluster_window,
                           lambda since, until: runs.start(since, until, ReclusterSettings())).start()


def _shared_state_watcher(state: ServiceState, settings: Settings):
    """Reloads a run or a taxonomy that another process (the nightly job, another replica) wrote."""
    from analysis.factory import with_taxonomy
    from jobs.state import POINTER
    from service.shared_state import SharedStateWatcher
    from workbench.paths import active_taxonomy

    def taxonomy_path():
        return active_taxonomy(settings.taxonomy, settings.data_dir)

    def reload_topics() -> None:
        if state.analyzer is not None:
            state.analyzer = with_taxonomy(state.analyzer, taxonomy_path(), topic_head=settings.topic_head)

    clusters = state.clusters
    assert clusters is not None  # set by the lifespan before the watcher is made
    return SharedStateWatcher({
        "clustering run": (lambda: settings.data_dir / "clusters" / POINTER, clusters.matcher.reload),
        "taxonomy": (taxonomy_path, reload_topics),
    }, settings.shared_state_poll_s)

