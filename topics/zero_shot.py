"""Zero-shot topic assignment from the taxonomy alone.

Each topic is represented by the vectors of its description and example phrases. A
message's score for a topic is its best cosine similarity to those vectors; confidence
is a softmax over the scores with a temperature fitted on the taxonomy itself: the one
under which each example phrase, scored against the other phrases (leave-one-out), gives its
own topic the highest likelihood. (The spread of those similarities alone left confidences
far too low: 0.28 on average on RUTUBE support, right 62 % of the time; 0.55 with the fit.)

"Unknown": a message whose best score falls below a threshold gets no topic. The
threshold is calibrated per model on the taxonomy itself (leave-one-out: how similar
each example is to its own topic's other phrases), never a fixed number, because
cosine scales differ between models. A message that reads more like one of the taxonomy's
``outside`` examples than like any topic phrase is "unknown" too (:mod:`topics.outside`, its
margin fitted on the topic phrases).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.stages import TopicAssignment, TopicCandidate
from embeddings.base import Embedder
from topics.outside import OutsideRule, outside_vectors
from topics.taxonomy import UNKNOWN, Taxonomy


class ZeroShotTopics:
    def __init__(self, taxonomy: Taxonomy, embedder: Embedder, *, unknown_quantile: float = 0.05,
                 top_k: int = 3) -> None:
        self.taxonomy = taxonomy
        self.top_k = top_k
        self.version = f"zero-shot:{embedder.name}:{taxonomy.label}"
        phrases, owners = [], []
        for index, topic in enumerate(taxonomy.topics):
            for phrase in [topic.description, *topic.examples]:
                if phrase.strip():
                    phrases.append(phrase)
                    owners.append(index)
        self.phrase_vectors = embedder.embed(phrases)
        self.phrase_topic = np.array(owners, dtype=np.int64)  # phrases grouped by topic, in taxonomy order
        # the topics that have phrases, and where each one's phrases start
        self._topics_with_phrases, self._phrase_starts = np.unique(self.phrase_topic, return_index=True)
        self.threshold, self.temperature = self._calibrate(unknown_quantile)
        self.outside = OutsideRule().fit(outside_vectors(taxonomy.outside, embedder), self.phrase_vectors)

    def scores(self, vectors: np.ndarray) -> np.ndarray:
        """Best similarity of each message to each topic: ``[messages, topics]`` (-1 for a topic
        without phrases)."""
        if len(self._phrase_starts) and len(vectors):
            return self._best_per_topic(vectors @ self.phrase_vectors.T)
        return np.full((len(vectors), len(self.taxonomy.topics)), -1.0, dtype=np.float32)

    def _best_per_topic(self, similarity: np.ndarray) -> np.ndarray:
        """``[rows, phrases]`` similarities → each row's best per topic (-1 for a topic without phrases)."""
        result = np.full((len(similarity), len(self.taxonomy.topics)), -1.0, dtype=np.float32)
        result[:, self._topics_with_phrases] = np.maximum.reduceat(similarity, self._phrase_starts, axis=1)
        return result

    def _calibrate(self, quantile: float) -> tuple[float, float]:
        similarity = self.phrase_vectors @ self.phrase_vectors.T
        np.fill_diagonal(similarity, -1.0)
        own, spread = [], []
        for row in range(len(similarity)):
            same = self.phrase_topic == self.phrase_topic[row]
            same[row] = False
            if same.any():
                own.append(similarity[row, same].max())
                spread.append(similarity[row, same].max() - similarity[row, ~same].max())
        threshold = float(np.quantile(own, quantile)) if own else 0.0
        scale = max(float(np.std(own)) if own else 0.05, 1e-3)
        return threshold, scale * self._likeliest_factor(similarity, scale)

    def _likeliest_factor(self, similarity: np.ndarray, scale: float) -> float:
        """How much to sharpen or flatten the softmax at ``scale`` so that each phrase, scored against
        the others (leave-one-out), gives its own topic the highest likelihood; 1 when fewer than two
        topics have two phrases."""
        from topics.temperature import fit_temperature

        counts = np.bincount(self.phrase_topic, minlength=len(self.taxonomy.topics))
        rows = np.flatnonzero(counts[self.phrase_topic] > 1)
        if (counts > 1).sum() < 2:
            return 1.0
        scores = self._best_per_topic(similarity[rows]).astype(np.float64)
        logits = (scores - scores.max(axis=1, keepdims=True)) / scale
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return fit_temperature(probabilities, self.phrase_topic[rows])

    def assign(self, vectors: np.ndarray, texts: Sequence[str]) -> list[TopicAssignment]:
        scores = self.scores(vectors)
        logits = (scores - scores.max(axis=1, keepdims=True)) / self.temperature
        probabilities = np.exp(logits)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        outside = self.outside.flags(vectors)
        return [self._answer(scores[row], probabilities[row], outside[row]) for row in range(len(vectors))]

    def _answer(self, scores: np.ndarray, probabilities: np.ndarray, outside: bool) -> TopicAssignment:
        order = np.argsort(-probabilities)[: self.top_k]
        topics = self.taxonomy.topics
        top = [TopicCandidate(topics[i].id, topics[i].name, round(float(probabilities[i]), 4))
               for i in order]
        best = int(order[0])
        if scores[best] < self.threshold or outside:
            return TopicAssignment(UNKNOWN, "unknown", None, None, None, None,
                                   round(float(1 - probabilities[best]), 4), top, "zero-shot")
        return topic_assignment(self.taxonomy, self.taxonomy.topics[best].id, float(probabilities[best]), top,
                                "zero-shot")


def topic_assignment(taxonomy: Taxonomy, topic_id: str, confidence: float, top: list[TopicCandidate],
                     method: str) -> TopicAssignment:
    topic = taxonomy.topic(topic_id)
    owner = taxonomy.owner(topic.owner)
    return TopicAssignment(topic.id, topic.name, owner.id, owner.queue, topic.group, topic.severity,
                           round(confidence, 4), top, method)
