"""The per-message pipeline: redact → language → embed → topic → sentiment → cluster → priority."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, is_dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import numpy as np

from analysis.stages import (
    ClusterMatcher,
    LanguageDetector,
    Redactor,
    SentimentScorer,
    TopicAssigner,
)
from core.ratings import is_nps_detractor, normalise_rating
from embeddings.base import Embedder
from priority.policy import PriorityPolicy, PrioritySignals, compute_priority

# the repeat-contact window ends just after the message's own moment, so that contacts at that same moment count
SAME_MOMENT = timedelta(microseconds=1)


@dataclass
class IncomingMessage:
    id: str
    text: str
    channel: str = "other"
    source: str | None = None
    created_at: datetime | None = None
    rating: float | None = None
    rating_scale: str | None = None
    customer_id: str | None = None
    customer_segment: str | None = None
    order_id: str | None = None
    language: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


class ContactHistory(Protocol):
    """Earlier contacts of a customer, for the repeat-contact signal."""

    def count_contacts(self, customer_id: str, topic_id: str, since: datetime, until: datetime,
                       excluding: str | None = None) -> int: ...


@dataclass
class Analyzer:
    redactor: Redactor
    language: LanguageDetector
    embedder: Embedder
    topics: TopicAssigner
    sentiment: SentimentScorer
    clusters: ClusterMatcher
    policy: PriorityPolicy
    history: ContactHistory | None = None
    taxonomy_version: str = ""

    def analyse(self, messages: Sequence[IncomingMessage]) -> tuple[list[dict[str, Any]], np.ndarray]:
        """Return one analysis dict per message and their vectors (rows in the same order)."""
        now = datetime.now(UTC)
        redactions = [self.redactor.redact(message.text) for message in messages]
        texts = [redaction.text for redaction in redactions]
        vectors = self.embedder.embed(texts)
        topics = self.topics.assign(vectors, texts)
        satisfaction = [
            normalise_rating(m.rating, m.rating_scale) if m.rating is not None and m.rating_scale else None
            for m in messages
        ]
        sentiments = self.sentiment.score(vectors, texts, satisfaction)
        clusters = self.clusters.nearest(vectors)
        unhinted = [index for index, message in enumerate(messages) if not message.language]
        languages = {index: language for index, language in
                     zip(unhinted, self.language.detect_many([texts[i] for i in unhinted]), strict=True)}
        results = []
        for index, message in enumerate(messages):
            created = message.created_at or now
            topic, sentiment, cluster = topics[index], sentiments[index], clusters[index]
            repeats = 0
            if self.history and message.customer_id and topic.topic_id != "unknown":
                window = timedelta(days=self.policy.repeat_window_days)
                # up to and including its own moment: an export that dates contacts by the day alone puts a
                # customer's two contacts of one day at the same time, and the later one is still a repeat
                repeats = self.history.count_contacts(message.customer_id, topic.topic_id, created - window,
                                                      created + SAME_MOMENT, excluding=message.id)
            priority = compute_priority(
                PrioritySignals(
                    negative_probability=sentiment.probabilities.get("negative", 0.0),
                    satisfaction=satisfaction[index],
                    nps_detractor=is_nps_detractor(message.rating, message.rating_scale),
                    topic_severity=topic.severity if topic.topic_id != "unknown" else None,
                    topic_name=topic.name,
                    repeat_contacts=repeats,
                    segment=message.customer_segment,
                    cluster_status=cluster.status if cluster else None,
                ),
                self.policy,
            )
            results.append({
                "id": message.id,
                "text": texts[index],
                "pii_found": redactions[index].kinds,
                "channel": message.channel,
                "source": message.source,
                "created_at": created.isoformat(),
                "language": self.language.from_hint(message.language) if message.language else languages[index],
                "rating": message.rating,
                "rating_scale": message.rating_scale,
                "customer_id": message.customer_id,
                "customer_segment": message.customer_segment,
                "order_id": message.order_id,
                "metadata": _redact_values(message.metadata, self.redactor),
                "topic": _plain(topic),
                "sentiment": _plain(sentiment),
                "cluster": _plain(cluster) if cluster else None,
                "priority": {**_plain(priority), "repeat_contacts": repeats},
                "versions": {
                    "model": self.embedder.name,
                    "topics": self.topics.version,
                    "sentiment": self.sentiment.version,
                    "taxonomy": self.taxonomy_version,
                },
                "analysed_at": now.isoformat(),
            })
        return results, vectors


def _plain(value: Any) -> Any:
    """Dataclasses as dicts, recursively, as ``dataclasses.asdict`` gives them but without its
    deep copy of every leaf (the stages' answers hold only strings, numbers, lists and dicts)."""
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(item) for name, item in vars(value).items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _redact_values(value: Any, redactor: Redactor) -> Any:
    """The caller's free-form metadata with personal data removed from every string in it (keys too)."""
    if isinstance(value, str):
        return redactor.redact(value).text
    if isinstance(value, dict):
        redacted: dict[Any, Any] = {}
        for key, item in value.items():
            redacted[_free_key(redactor.redact(key).text if isinstance(key, str) else key, redacted)] = (
                _redact_values(item, redactor))
        return redacted
    if isinstance(value, list | tuple):
        return [_redact_values(item, redactor) for item in value]
    return value


def _free_key(key: Any, taken: dict[Any, Any]) -> Any:
    """``key``, or ``key #2``, ``key #3`` … when two keys read the same once redacted (two e-mail
    addresses as keys both become [EMAIL]): no value is lost."""
    if key not in taken:
        return key
    number = 2
    while f"{key} #{number}" in taken:
        number += 1
    return f"{key} #{number}"
