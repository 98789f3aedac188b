"""What each cluster holds: daily counts (all and negative), sentiment mix, ratings, channels, first and last seen,
repeat contacts, and the topic (with owner) most of its messages were given — or
"unmapped: candidate new topic" when no topic covers half of it. Inputs are arrays
aligned by message; nothing here reads the store."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

import numpy as np


@dataclass
class MessageFacts:
    """Per message, aligned rows: created time (epoch seconds) and the payload fields used."""

    created_ts: np.ndarray
    sentiment: Sequence[str | None]
    rating: np.ndarray  # normalised 0 (worst) … 1 (best); NaN when unrated
    channel: Sequence[str | None]
    customer: Sequence[str | None]
    topic: Sequence[str | None] = ()  # the topic each message was given on arrival
    owner: Sequence[str | None] = ()


UNMAPPED = "unmapped: candidate new topic"
MAPPED_SHARE = 0.5  # the majority topic must cover at least this share of the cluster


def day_of(timestamp: float) -> date:
    return datetime.fromtimestamp(timestamp, tz=UTC).date()


def cluster_profiles(labels: np.ndarray, facts: MessageFacts, n_clusters: int) -> list[dict]:
    """One profile per cluster index 0 … n_clusters−1."""
    days = np.floor(facts.created_ts / 86_400).astype(np.int64)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(n_clusters + 1))
    profiles = []
    for cluster in range(n_clusters):
        rows = order[bounds[cluster] : bounds[cluster + 1]]
        profiles.append(_profile(rows, days, facts))
    return profiles


def _profile(rows: np.ndarray, days: np.ndarray, facts: MessageFacts) -> dict:
    if not len(rows):
        return {"size": 0, "daily_counts": {}, "daily_negative": {}, "sentiment_mix": {}, "mean_rating": None,
                "channels": {},
                "first_seen": None, "last_seen": None, "repeat_contacts": 0, "negative": 0, "topic": None,
                "owner": None, "topic_share": 0.0, "mapping": UNMAPPED}
    values, counts = np.unique(days[rows], return_counts=True)
    daily = {date.fromordinal(int(v) + 719_163).isoformat(): int(c) for v, c in zip(values, counts, strict=True)}
    sentiments = Counter(facts.sentiment[i] for i in rows if facts.sentiment[i])
    negative_days = np.unique(days[[i for i in rows if facts.sentiment[i] == "negative"]], return_counts=True)
    rated = facts.rating[rows]
    rated = rated[~np.isnan(rated)]
    customers = Counter(facts.customer[i] for i in rows if facts.customer[i])
    labelled = sum(sentiments.values())
    ts = facts.created_ts[rows]
    return {
        "size": len(rows),
        "daily_counts": daily,
        "daily_negative": {date.fromordinal(int(v) + 719_163).isoformat(): int(c)
                           for v, c in zip(*negative_days, strict=True)},
        "sentiment_mix": {k: round(v / labelled, 4) for k, v in sorted(sentiments.items())},
        "mean_rating": round(float(rated.mean()), 4) if len(rated) else None,
        "rated": len(rated),
        "channels": dict(Counter(facts.channel[i] or "other" for i in rows).most_common()),
        "first_seen": datetime.fromtimestamp(float(ts.min()), tz=UTC).isoformat(),
        "last_seen": datetime.fromtimestamp(float(ts.max()), tz=UTC).isoformat(),
        "repeat_contacts": sum(n for n in customers.values() if n > 1),
        "negative": int(sentiments.get("negative", 0)),
        **_mapping(rows, facts),
    }


def _mapping(rows: np.ndarray, facts: MessageFacts) -> dict:
    """The topic most members were given, when it covers at least half the cluster."""
    if not len(facts.topic):
        return {"topic": None, "owner": None, "topic_share": 0.0, "mapping": UNMAPPED}
    topics = Counter(facts.topic[i] for i in rows)
    topic, count = topics.most_common(1)[0]
    share = count / len(rows)
    if topic is None or topic == "unknown" or share < MAPPED_SHARE:
        return {"topic": None, "owner": None, "topic_share": round(share, 4), "mapping": UNMAPPED}
    owners = Counter(facts.owner[i] for i in rows if facts.topic[i] == topic and facts.owner[i])
    return {"topic": topic, "owner": owners.most_common(1)[0][0] if owners else None,
            "topic_share": round(share, 4), "mapping": "mapped"}
