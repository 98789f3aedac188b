"""The supervised head as a stage of the per-message pipeline (``VOC_TOPIC_HEAD``)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from analysis.stages import TopicAssignment, TopicCandidate
from core.errors import VocError
from embeddings.base import Embedder
from topics.outside import OutsideRule, outside_vectors
from topics.supervised import UNKNOWN, SupervisedTopics
from topics.taxonomy import Taxonomy
from topics.zero_shot import topic_assignment


class HeadTaxonomyMismatch(VocError, ValueError):
    """A topic head trained on labels that are not topics of the taxonomy it is served with."""


class TrainedTopics:
    """Answers with the trained head; owners, queues and severities come from the taxonomy.

    The head's background class (messages outside the taxonomy) is never a candidate topic. When the
    taxonomy lists ``outside`` examples, a message that reads more like one of them than like the head's
    training messages of known topics is "unknown" too (:mod:`topics.outside`); ``embedder`` embeds them.
    """

    def __init__(self, head: SupervisedTopics, taxonomy: Taxonomy, *, embedder: Embedder | None = None,
                 top_k: int = 3) -> None:
        known = {topic.id for topic in taxonomy.topics}
        missing = sorted(str(c) for c in head.classes_ if c not in known and c != UNKNOWN)
        if missing:
            trained_on = getattr(head, "manifest_", {}).get("data")
            raise HeadTaxonomyMismatch(
                f"the topic head{f' trained on {trained_on}' if trained_on else ''} answers {len(missing)} "
                f"topics that the taxonomy {taxonomy.label} lacks: {missing[:10]}; retrain it on labels that are "
                "topic ids of this taxonomy (--unknown-label for rows outside it), or add those topics")
        self.head = head
        self.taxonomy = taxonomy
        self.top_k = top_k
        self.version = f"trained:{getattr(head, 'manifest_', {}).get('data', 'head')}:{taxonomy.label}"
        self.outside = OutsideRule().fit(outside_vectors(taxonomy.outside, embedder, taxonomy.label),
                                         head.train_vectors_[head.classes_[head.train_columns_] != UNKNOWN])

    def assign(self, vectors: np.ndarray, texts: Sequence[str]) -> list[TopicAssignment]:
        probabilities = self.head.predict_proba(vectors, texts)
        unknown = self.head.unknown_mask(vectors, probabilities) | self.outside.flags(vectors)
        answers = []
        topics = np.flatnonzero(self.head.classes_ != UNKNOWN)
        for row, is_unknown in zip(probabilities, unknown):
            order = topics[np.argsort(-row[topics])[: self.top_k]]
            top = [TopicCandidate(str(self.head.classes_[i]), self.taxonomy.topic(str(self.head.classes_[i])).name,
                                  round(float(row[i]), 4)) for i in order]
            best = int(order[0])
            if is_unknown:
                answers.append(TopicAssignment(UNKNOWN, "unknown", None, None, None, None,
                                               round(float(1 - row[best]), 4), top, "trained"))
            else:
                answers.append(topic_assignment(self.taxonomy, str(self.head.classes_[best]), float(row[best]), top,
                                                "trained"))
        return answers
