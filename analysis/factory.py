"""Builds the per-message pipeline from plain values (the service reads them from settings)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from analysis.analyzer import Analyzer, ContactHistory
from analysis.stages import ClusterMatcher, NoClusters
from embeddings.base import Embedder


def build_analyzer(
    embedder: Embedder,
    *,
    model_name: str,
    taxonomy_path: Path | None = None,
    topic_head: Path | None = None,
    sentiment_head: Path | None = None,
    priority_policy: Path | None = None,
    rating_weight: float = 0.5,
    languages: Sequence[str] | None = None,
    history: ContactHistory | None = None,
    clusters: ClusterMatcher | None = None,
) -> Analyzer:
    from language.detect import LanguageDetector
    from priority.policy import load_policy
    from privacy.redact import PiiRedactor
    from sentiment.head import SentimentHead, shipped_head
    from sentiment.scorer import SentimentScorer
    from topics.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    head = SentimentHead.load(sentiment_head, model_name) if sentiment_head else shipped_head(model_name)
    language = LanguageDetector(languages) if languages else LanguageDetector()
    language.warm_up()
    return Analyzer(
        redactor=PiiRedactor(),
        language=language,
        embedder=embedder,
        topics=_topics(taxonomy, embedder, topic_head),
        sentiment=SentimentScorer(head, rating_weight=rating_weight),
        clusters=clusters or NoClusters(),
        policy=load_policy(priority_policy),
        history=history,
        taxonomy_version=taxonomy.label,
    )


def _topics(taxonomy, embedder: Embedder, topic_head: Path | None):
    if topic_head is None:
        from topics.zero_shot import ZeroShotTopics

        return ZeroShotTopics(taxonomy, embedder)
    from topics.supervised import load_supervised
    from topics.trained_assigner import TrainedTopics

    return TrainedTopics(load_supervised(topic_head), taxonomy, embedder=embedder)


def with_taxonomy(analyzer: Analyzer, taxonomy_path: Path, *, topic_head: Path | None = None) -> Analyzer:
    """A copy of ``analyzer`` routing by the taxonomy now in ``taxonomy_path`` (topic prototypes
    rebuilt); the other stages are shared. Swap it in whole so no call sees half of each."""
    from dataclasses import replace

    from topics.taxonomy import load_taxonomy

    taxonomy = load_taxonomy(taxonomy_path)
    return replace(analyzer, topics=_topics(taxonomy, analyzer.embedder, topic_head), taxonomy_version=taxonomy.label)
