"""The contracts of the per-message stages; each implementation lives in its own package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np


@dataclass(frozen=True)
class Redaction:
    text: str
    kinds: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TopicCandidate:
    topic_id: str
    name: str
    confidence: float


@dataclass(frozen=True)
class TopicAssignment:
    topic_id: str  # "unknown" when no topic fits
    name: str
    owner: str | None
    queue: str | None
    group: str | None
    severity: int | None
    confidence: float
    top: list[TopicCandidate] = field(default_factory=list)
    method: str = "zero-shot"


@dataclass(frozen=True)
class SentimentScore:
    label: str  # negative | neutral | positive
    probabilities: dict[str, float]
    text_label: str  # what the text alone says, before the rating was fused in
    score: float = 0.0  # P(positive) − P(negative) after fusion, in −1..1
    confidence: float = 0.0  # the probability of ``label``
    decided_by: str = "text"  # text | rating | both: which of the two the label follows


@dataclass(frozen=True)
class ClusterMatch:
    cluster_id: str
    name: str
    similarity: float
    status: str


class Redactor(Protocol):
    def redact(self, text: str) -> Redaction: ...


class LanguageDetector(Protocol):
    def detect(self, text: str) -> str: ...

    def detect_many(self, texts: Sequence[str]) -> list[str]: ...


class TopicAssigner(Protocol):
    version: str
    taxonomy: Any

    def assign(self, vectors: np.ndarray, texts: Sequence[str]) -> list[TopicAssignment]: ...


class SentimentScorer(Protocol):
    version: str

    def score(
        self, vectors: np.ndarray, texts: Sequence[str], satisfaction: Sequence[float | None]
    ) -> list[SentimentScore]: ...


class ClusterMatcher(Protocol):
    def nearest(self, vectors: np.ndarray) -> list[ClusterMatch | None]: ...


class NoClusters:
    """Used until a clustering run exists: no message has a cluster yet."""

    def nearest(self, vectors: np.ndarray) -> list[ClusterMatch | None]:
        return [None] * len(vectors)
