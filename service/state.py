"""What the service holds while it runs."""

from __future__ import annotations

from dataclasses import dataclass, field

from core.settings import Settings
from embeddings.base import Embedder
from service.metrics import ServiceMetrics


@dataclass
class ServiceState:
    settings: Settings
    metrics: ServiceMetrics = field(default_factory=ServiceMetrics)
    embedder: Embedder | None = None
