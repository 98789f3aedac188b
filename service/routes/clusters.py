"""Emerging problems and client debt: the clusters of the run in force, the debt ranking, and runs on demand."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException, Query, Response

from jobs import ReclusterSettings
from jobs.state import StateError, current_clusters, read_current
from service.auth import AdminScope, AnalystScope
from service.cluster_runs import ClusterRuns, RunInProgress
from service.deps import AnalyzerDep, SettingsDep, StateDep, StoreDep
from service.json_body import StrictJsonRoute
from service.log_privacy import redact
from service.schemas.clusters import (
    SPAN,
    ClusterDetail,
    ClusterList,
    ClusterSummary,
    RankBy,
    ReclusterRequest,
    ReclusterStatus,
    Status,
)

router = APIRouter(prefix="/v1", tags=["clusters"], route_class=StrictJsonRoute)
NO_RUN = "no clustering run yet: run `voc recluster` or POST /v1/admin/recluster"
RANKINGS = {
    "size": lambda p: (-p["size"],),
    "growth": lambda p: (-p["growth"]["z"], -p["size"]),
    "negative": lambda p: (-p.get("sentiment_shift", {}).get("rise", 0.0), -p["sentiment_mix"].get("negative", 0.0),
                           -p["size"]),
}


def _runs(state: StateDep) -> ClusterRuns:
    if state.clusters is None:
        raise HTTPException(503, "the service is starting", headers={"Retry-After": "1"})
    return state.clusters


def _run_in_force(runs: ClusterRuns):
    try:
        return read_current(runs.state_dir)
    except StateError as error:
        raise HTTPException(503, str(error)) from error


def _decided_clusters(store: Any, runs: ClusterRuns, analyzer: Any
                      ) -> tuple[list[dict[str, Any]], dict[str, str], dict[str, dict[str, Any]]]:
    """The run's clusters as the analysts left them (merged-away ones folded into their target),
    ``{merged-away cluster: target}``, and the clusters as the run wrote them; every owner as the
    taxonomy in force names it."""
    from jobs.decisions import apply_decisions, merge_targets

    payloads = {item.payload["cluster_id"]: dict(item.payload)
                for item in current_clusters(store, runs.state_dir, with_vectors=False)}
    decisions = runs.decisions()
    owners = {topic.id: topic.owner for topic in analyzer.topics.taxonomy.topics}
    rows = apply_decisions(payloads, decisions)
    for row in [*rows, *payloads.values()]:
        if row.get("topic"):  # the topic's owner may have changed since the run or the decision
            row["owner"] = owners.get(row["topic"])
    return rows, merge_targets(payloads, decisions), payloads


def _summary(payload: dict[str, Any]) -> dict[str, Any]:
    shift = payload.get("sentiment_shift") or {}
    return {
        "id": payload["cluster_id"], "name": payload.get("name", ""), "keywords": payload.get("keywords", [])[:5],
        "size": payload["size"], "status": payload["status"], "emerging": payload["emerging"],
        "recent": payload["growth"]["recent"], "growth_ratio": payload["growth"]["ratio"],
        "negative_share": payload.get("sentiment_mix", {}).get("negative", 0.0),
        "sentiment_shift": bool(shift.get("shifted")), "mapping": payload["mapping"], "topic": payload.get("topic"),
        "owner": payload.get("owner"), "first_seen": payload.get("first_seen"), "last_seen": payload.get("last_seen"),
        "decision": payload.get("decision"), "noise": bool(payload.get("noise")), "merged": payload.get("merged", []),
    }


@router.get("/clusters", dependencies=[AnalystScope], response_model=ClusterList,
            summary="Clusters of the run in force, filtered by status, ranked and paginated")
def list_clusters(
    state: StateDep,
    store: StoreDep,
    analyzer: AnalyzerDep,
    status: Annotated[Status | None, Query(description="emerging = new, growing or with a sentiment shift")] = None,
    rank_by: Annotated[RankBy | None, Query(description="size; growth (z-score, the default for emerging); "
                                                        "negative (rise of the negative share)")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    runs = _runs(state)
    run = _run_in_force(runs)
    rank = rank_by or ("growth" if status in ("emerging", "growing") else "size")
    base = {"status": status, "rank_by": rank, "offset": offset, "limit": limit}
    if run is None:
        return {**base, "run_id": None, "total": 0, "clusters": [], "detail": NO_RUN}
    payloads, _, _ = _decided_clusters(store, runs, analyzer)
    if status == "emerging":
        payloads = [p for p in payloads if p.get("emerging") and not p.get("noise")]
    elif status is not None:
        payloads = [p for p in payloads if p.get("status") == status]
    payloads.sort(key=lambda p: (*RANKINGS[rank](p), p["cluster_id"]))
    page = [ClusterSummary(**_summary(p)) for p in payloads[offset: offset + limit]]
    return {**base, "run_id": run.run_id, "window": [run.since, run.until], "total": len(payloads), "clusters": page}


@router.get("/clusters/{cluster_id}", dependencies=[AnalystScope], response_model=ClusterDetail,
            summary="One cluster: keywords, examples, daily counts, sentiment, rating, channels, topic and owner")
def get_cluster(cluster_id: str, state: StateDep, store: StoreDep, analyzer: AnalyzerDep) -> dict[str, Any]:
    runs = _runs(state)
    run = _run_in_force(runs)
    if run is None:
        raise HTTPException(404, f"cluster {redact(cluster_id)!r}: {NO_RUN}")
    if cluster_id not in run.cluster_ids:
        raise HTTPException(404, f"cluster {redact(cluster_id)!r} is not in the run in force ({run.run_id}); "
                                 "GET /v1/clusters lists its clusters")
    rows, targets, written = _decided_clusters(store, runs, analyzer)
    if cluster_id not in written:  # another run was put in force meanwhile
        raise HTTPException(404, f"cluster {redact(cluster_id)!r} is not in the run in force any more (a new run "
                                 "has just been put in force); GET /v1/clusters lists its clusters")
    if cluster_id in targets:
        payload = {**written[cluster_id], "merged_into": targets[cluster_id]}
    else:
        payload = next(row for row in rows if row["cluster_id"] == cluster_id)
    return {**payload, **_summary(payload), "sentiment_trend": payload.get("sentiment_shift") or {},
            "examples": payload.get("examples", []), "example_ids": payload.get("example_ids", [])}


@router.get("/report/debt", dependencies=[AnalystScope],
            summary="Topics and unmapped clusters ranked by client debt, each component shown")
def debt(
    state: StateDep,
    store: StoreDep,
    analyzer: AnalyzerDep,
    period: Annotated[str | None, Query(pattern=SPAN, description="Span back from `until`: 30d, 7d, 12h. "
                                                                  "Default 30d unless `since` is given.")] = None,
    since: Annotated[datetime | None, Query(description="Period start (UTC if no zone).")] = None,
    until: Annotated[datetime | None, Query(description="Period end, excluded; default now.")] = None,
    orders: Annotated[int | None, Query(ge=1, description="Orders in the period: adds contacts per 1,000 "
                                                          "orders.")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> dict[str, Any]:
    from jobs.debt_report import debt_report
    from jobs.timespan import FUTURE_TOLERANCE, span_start

    if period and since:
        raise HTTPException(422, "period: give period or since, not both")
    end = _utc(until) if until else datetime.now(UTC)
    if end > datetime.now(UTC) + FUTURE_TOLERANCE:
        raise HTTPException(422, f"until: {end.isoformat()} is in the future; a report ends by now "
                                 "(within a day of it)")
    if since:
        start = _utc(since)
    else:
        try:
            start = span_start(end, period or "30d")
        except ValueError as error:
            raise HTTPException(422, f"period: {error}") from error
    if start >= end:
        raise HTTPException(422, f"since: {start.isoformat()} is not before until {end.isoformat()}")
    runs = _runs(state)
    _run_in_force(runs)
    topics = analyzer.topics.taxonomy.topics
    try:
        return debt_report(store, runs.state_dir, start, end, orders=orders, limit=limit, decisions=runs.decisions(),
                           topic_names={topic.id: topic.name for topic in topics},
                           topic_owners={topic.id: topic.owner for topic in topics})
    except OverflowError:
        raise HTTPException(422, f"period: the growth baseline before {start.isoformat()} falls outside "
                                 "the calendar") from None


@router.post("/admin/recluster", dependencies=[AdminScope], response_model=ReclusterStatus,
             responses={202: {"description": "still running after `wait_s`; poll GET /v1/admin/recluster"},
                        409: {"description": "a run is already going on (here or in another process)"}},
             summary="Re-cluster a window now, inside the service (which owns the store)")
def start_recluster(
    state: StateDep,
    settings: SettingsDep,
    response: Response,
    request: Annotated[ReclusterRequest | None, Body()] = None,
    wait_s: Annotated[float | None, Query(ge=0, le=3600, description="How long to wait for the report; default "
                                                                     "just under the request timeout.")] = None,
) -> dict[str, Any]:
    from jobs.timespan import parse_window

    request = request or ReclusterRequest()
    try:
        since, until = parse_window(request.since, request.until)
    except ValueError as error:
        raise HTTPException(422, f"since/until: {error}") from error
    runs = _runs(state)
    _run_in_force(runs)
    job = ReclusterSettings(min_cluster_size=request.min_cluster_size, max_fit=request.max_fit)
    try:
        runs.start(since, until, job)
    except RunInProgress as error:
        raise HTTPException(409, str(error)) from error
    wait = min(wait_s if wait_s is not None else settings.request_timeout_s, settings.request_timeout_s) * 0.9
    if not runs.wait(wait):
        response.status_code = 202
        return runs.status
    status = _jsonable(runs.status)
    if status["state"] == "failed":
        code = {"ReclusterError": 422, "ValueError": 422, "StateError": 503, "RunLockedError": 409}.get(
            status.get("error_type") or "", 500)
        raise HTTPException(code, status["error"])
    return status


@router.get("/admin/recluster", dependencies=[AdminScope], response_model=ReclusterStatus,
            summary="The re-clustering run in progress, or the last one's report")
def recluster_status(state: StateDep) -> dict[str, Any]:
    status = _jsonable(_runs(state).status)
    nightly = state.nightly
    if nightly is not None and nightly.next_at is not None:
        status["next_scheduled_at"] = nightly.next_at.isoformat()
    return status


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _jsonable(value: dict[str, Any]) -> dict[str, Any]:
    return json.loads(json.dumps(value, default=str))
