"""Reading a time window of messages from the store in bounded memory.

Vectors go into one preallocated float32 array; texts are kept only for the rows chosen
for fitting (a sample by a hash of the message id, so the same messages are chosen run
after run); the other fields become compact arrays.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from clustering.profiles import MessageFacts
from core.ratings import normalise_rating
from store import MessageFilter

SAMPLE_BUCKETS = 1_000_000


@dataclass
class Window:
    ids: list[str]
    vectors: np.ndarray
    texts: list[str | None]  # None outside the fit sample
    sample: np.ndarray  # rows to fit on
    previous: list[str | None]  # each message's cluster id before this run
    facts: MessageFacts
    without_vectors: int


def sample_bucket(message_id: str) -> int:
    return int.from_bytes(hashlib.blake2b(message_id.encode("utf-8"), digest_size=8).digest(), "big") % SAMPLE_BUCKETS


def read_window(store, since: datetime, until: datetime, *, max_fit: int, batch_size: int = 2048,
                progress: Callable[[int, int], None] | None = None) -> Window:
    window = MessageFilter(created_from=since, created_to=until)
    expected = store.messages.count(window)
    keep_below = SAMPLE_BUCKETS if expected <= max_fit else int(SAMPLE_BUCKETS * max_fit / expected)
    vectors = np.zeros((expected, store.dimension), dtype=np.float32)
    ids: list[str] = []
    texts: list[str | None] = []
    previous: list[str | None] = []
    created, rating = np.zeros(expected), np.full(expected, np.nan)
    sentiment: list[str | None] = []
    channel: list[str | None] = []
    customer: list[str | None] = []
    topic: list[str | None] = []
    owner: list[str | None] = []
    missing = 0
    for batch in store.messages.iterate(window, batch_size=batch_size, with_vectors=True):
        for row, message in enumerate(batch.messages):
            vector = None if batch.vectors is None else batch.vectors[row]
            if vector is None or not np.isfinite(vector).all() or np.linalg.norm(vector) < 1e-6:
                missing += 1
                continue
            at = len(ids)
            if at >= len(vectors):  # messages arrived while reading
                vectors = np.vstack([vectors, np.zeros((batch_size, store.dimension), np.float32)])
                created = np.concatenate([created, np.zeros(batch_size)])
                rating = np.concatenate([rating, np.full(batch_size, np.nan)])
            vectors[at] = vector
            ids.append(message.id)
            texts.append(message.text if sample_bucket(message.id) < keep_below else None)
            previous.append(message.cluster_id)
            created[at] = message.created_at.timestamp()
            rating[at] = _normalised(message.rating, message.extra.get("rating_scale"))
            sentiment.append(message.sentiment)
            channel.append(message.channel)
            customer.append(message.customer_id)
            topic.append(message.topic)
            owner.append(message.owner)
        if progress:
            progress(len(ids) + missing, expected)
    count = len(ids)
    vectors, created, rating = vectors[:count], created[:count], rating[:count]
    vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    sample = np.asarray([i for i, text in enumerate(texts) if text is not None], dtype=np.int64)
    facts = MessageFacts(created, sentiment, rating, channel, customer, topic, owner)
    return Window(ids, vectors, texts, sample, previous, facts, missing)


def _normalised(value: float | None, scale: object) -> float:
    if value is None:
        return float("nan")
    try:
        if scale:
            return float(normalise_rating(float(value), str(scale)))
        number = float(value)
        return (number - 1) / 4 if 1 <= number <= 5 else float("nan")
    except (TypeError, ValueError):
        return float("nan")
