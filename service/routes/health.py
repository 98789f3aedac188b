"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException

from service.deps import StateDep

router = APIRouter(tags=["health"])


@router.get("/health", summary="Liveness")
@router.get("/v1/health", summary="Liveness")
@router.head("/health", include_in_schema=False)
@router.head("/v1/health", include_in_schema=False)
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/v1/ready", summary="Readiness: the model is loaded",
            description="Ready once the model and the store are loaded. `warnings` lists files changed on disk "
                        "(the taxonomy, the clustering run) that could not be loaded: the previous ones "
                        "stay in use until they are fixed.")
@router.head("/v1/ready", include_in_schema=False)
def ready(state: StateDep) -> dict[str, object]:
    if state.embedder is None:
        raise HTTPException(status_code=503, detail="model not loaded", headers={"Retry-After": "1"})
    answer: dict[str, object] = {"status": "ready", "model": state.embedder.name,
                                 "dimension": state.embedder.dimension}
    problems = state.shared_state.problems if state.shared_state is not None else {}
    if problems:  # still ready: the service goes on with what it loaded before
        answer["warnings"] = [problems[name] for name in sorted(problems)]
    return answer
