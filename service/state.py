"""What the service holds while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from core.settings import Settings
from embeddings.base import Embedder

if TYPE_CHECKING:
    from analysis.analyzer import Analyzer
    from service.cluster_runs import ClusterRuns
    from service.ingest_queue import IngestQueue
    from service.nightly import NightlySchedule
    from service.shared_state import SharedStateWatcher
    from store import Store
from service.metrics import ServiceMetrics


@dataclass
class ServiceState:
    settings: Settings
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    embedder: Embedder | None = None
    store: Store | None = None
    analyzer: Analyzer | None = None
    ingest: IngestQueue | None = None  # every ingest call goes through it
    clusters: ClusterRuns | None = None
    shared_state: SharedStateWatcher | None = None  # reloads the run and the taxonomy when their files change
    nightly: NightlySchedule | None = None  # starts the daily re-clustering run (None: VOC_RECLUSTER_DAILY_AT=off)
