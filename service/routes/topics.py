"""GET /v1/topics: the taxonomy the service routes by."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from service.auth import require_any_scope
from service.deps import AnalyzerDep

router = APIRouter(prefix="/v1", tags=["topics"], dependencies=[Depends(require_any_scope("ingest", "analyst"))])


@router.get("/topics", summary="Topics with their owners and queues")
@router.head("/topics", include_in_schema=False)
def list_topics(analyzer: AnalyzerDep) -> dict[str, Any]:
    taxonomy = analyzer.topics.taxonomy
    owners = {owner.id: owner for owner in taxonomy.owners}
    return {
        "taxonomy": taxonomy.label,
        "topics": [
            {"id": t.id, "names": t.names, "group": t.group, "severity": t.severity, "owner": t.owner,
             "owner_name": owners[t.owner].name, "queue": owners[t.owner].queue, "description": t.description}
            for t in taxonomy.topics
        ],
        "owners": [owner.model_dump() for owner in taxonomy.owners],
    }
