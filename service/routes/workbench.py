"""The analysts' workbench over HTTP (analyst scope): review the run's clusters and act on them.

An action that changes the taxonomy rebuilds the analyser's topic prototypes before it
answers, so the next routed message already sees the new or extended topic.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query

from core.errors import VocError
from service.auth import require_any_scope
from service.deps import StateDep, StoreDep
from service.json_body import StrictJsonRoute
from service.schemas.workbench import MapRequest, MergeRequest, NoiseRequest, PromoteRequest, RenameRequest, UndoRequest

router = APIRouter(prefix="/v1", tags=["workbench"], dependencies=[Depends(require_any_scope("analyst"))],
                   route_class=StrictJsonRoute)
ClusterPath = Annotated[str, "cluster id"]


def _workbench(state: Any, store: Any):
    from workbench.actions import WorkbenchActions
    from workbench.paths import WorkbenchPaths

    paths = WorkbenchPaths.of(state.settings.data_dir, state.settings.taxonomy)
    # the watcher sees the new file at once and swaps the topic stage, once for this edit
    return WorkbenchActions(store, paths, on_taxonomy_change=lambda _: _taxonomy_changed(state))


def _taxonomy_changed(state: Any) -> None:
    if state.shared_state is not None:
        state.shared_state.check()


def _answer(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except VocError as error:
        from store.errors import BackendError

        if isinstance(error, BackendError):  # the store is unavailable: the app's handler answers 503
            raise
        raise HTTPException(getattr(error, "status", 422), str(error)) from error


def _common(body: Any) -> dict[str, Any]:
    return {"who": body.who or "analyst", "run_id": body.run_id, "expected_version": body.taxonomy_version}


@router.post("/clusters/{cluster_id}:promote", summary="Promote a cluster to a new topic with an owner")
def promote(cluster_id: ClusterPath, body: PromoteRequest, state: StateDep, store: StoreDep) -> dict[str, Any]:
    fields = body.model_dump(exclude={"who", "run_id", "taxonomy_version"})
    return _answer(lambda: _workbench(state, store).promote(cluster_id, **fields, **_common(body)))


@router.post("/clusters/{cluster_id}:map", summary="Map a cluster to an existing topic")
def map_to_topic(cluster_id: ClusterPath, body: MapRequest, state: StateDep, store: StoreDep) -> dict[str, Any]:
    return _answer(lambda: _workbench(state, store).map_to_topic(cluster_id, body.topic_id,
                                                                 add_examples=body.add_examples, **_common(body)))


@router.post("/clusters/{cluster_id}:merge", summary="Fold other clusters into this one")
def merge(cluster_id: ClusterPath, body: MergeRequest, state: StateDep, store: StoreDep) -> dict[str, Any]:
    return _answer(lambda: _workbench(state, store).merge(cluster_id, body.others, **_common(body)))


@router.post("/clusters/{cluster_id}:rename", summary="Give a cluster a name")
def rename(cluster_id: ClusterPath, body: RenameRequest, state: StateDep, store: StoreDep) -> dict[str, Any]:
    return _answer(lambda: _workbench(state, store).rename(cluster_id, body.name, **_common(body)))


@router.post("/clusters/{cluster_id}:noise", summary="Mark a cluster as noise (or not)")
def noise(cluster_id: ClusterPath, body: NoiseRequest, state: StateDep, store: StoreDep) -> dict[str, Any]:
    return _answer(lambda: _workbench(state, store).mark_noise(cluster_id, body.noise, **_common(body)))


@router.get("/workbench/actions", summary="The audit log of analyst actions")
def actions(state: StateDep, store: StoreDep) -> dict[str, Any]:
    return {"actions": _answer(lambda: _workbench(state, store).actions())}


@router.post("/workbench/actions/{n}:undo", summary="Undo an action (recorded as a new action)")
def undo(n: int, state: StateDep, store: StoreDep, body: UndoRequest | None = None) -> dict[str, Any]:
    who = body.who if body and body.who else "analyst"
    return _answer(lambda: _workbench(state, store).undo(n, who=who))


@router.get("/workbench/review", summary="The run's clusters ranked by client debt, emerging first")
def review(state: StateDep, store: StoreDep) -> dict[str, Any]:
    from workbench.review import review as build

    wb = _workbench(state, store)
    return _answer(lambda: build(store, wb.paths))


@router.get("/workbench/changes", summary="What changed since the previous run")
def changes(state: StateDep, store: StoreDep) -> dict[str, Any]:
    from workbench.review import changes as build

    return _answer(lambda: build(_workbench(state, store).paths))


@router.get("/workbench/map", summary="Messages of the run in 2-D (UMAP), coloured by cluster")
def message_map(state: StateDep, store: StoreDep,
                limit: Annotated[int, Query(ge=3, le=20_000)] = 3000) -> dict[str, Any]:
    from workbench.review import message_map as build

    return _answer(lambda: build(store, _workbench(state, store).paths, limit=limit))
