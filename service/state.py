"""What the service holds while it runs."""

from __future__ import annotations

from dataclasses import dataclass

from core.settings import Settings
from embeddings.base import Embedder


@dataclass
class ServiceState:
    settings: Settings
    embedder: Embedder | None = None
