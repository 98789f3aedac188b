"""Shared data for the store tests: deterministic messages and vectors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np

from store import Message

DIM = 8
START = datetime(2024, 5, 1, tzinfo=UTC)
CHANNELS = ("email", "chat", "app")
TOPICS = ("billing", "delivery", "login", "refund")
SENTIMENTS = ("negative", "neutral", "positive")


def make_messages(count: int, offset: int = 0) -> list[Message]:
    messages = []
    for i in range(offset, offset + count):
        messages.append(
            Message(
                id=f"msg-{i}",
                text=f"message number {i}",
                created_at=START + timedelta(hours=7 * i),
                channel=CHANNELS[i % 3],
                source="zendesk",
                language="en",
                rating=float(i % 5),
                customer_id=f"cust-{i % 10}",
                customer_segment="enterprise" if i % 4 == 0 else "smb",
                topic=TOPICS[i % 4],
                owner=f"team-{i % 2}",
                sentiment=SENTIMENTS[i % 3],
                priority=f"P{1 + i % 4}",
                cluster_id=None,
                extra={"analysis": {"confidence": 0.5, "tags": ["a", "b"]}, "order_id": f"o{i}"},
            )
        )
    return messages


def make_vectors(count: int, offset: int = 0, dim: int = DIM) -> np.ndarray:
    rows = [np.random.default_rng(i).standard_normal(dim) for i in range(offset, offset + count)]
    return np.asarray(rows, dtype=np.float32)


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)
