"""The client-debt report over a period of the store: topics and unmapped clusters, ranked.

Every message of the period counts once: under its cluster when the run in force left that
cluster unmapped ("unmapped: candidate new topic"), otherwise under the topic it was given
on arrival ("unknown" when none), so the shares of all rows add up to 1. The analysts'
decisions on clusters come first: a cluster they mapped or promoted counts under that topic,
one they merged counts with its target, one they marked as noise is no candidate topic.
Each group gets the components of `clustering.debt` (volume, share, repeat contacts, negative share, mean
rating, growth of the last ``recent_days`` against the days before, up to 28) and the score.
Memory is bounded by the number of groups and customers, not messages: the store is read
page by page without vectors.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from clustering.debt import WEIGHTS, GroupStats, debt_ranking
from clustering.profiles import UNMAPPED
from clustering.trends import growth
from jobs.decisions import Decisions as ClusterDecisions
from jobs.decisions import merge_targets
from jobs.state import current_clusters, read_current
from jobs.window import _normalised
from store import MessageFilter
from store.records import as_utc

BASELINE_DAYS = 28
COMPLAINT_SOURCE = re.compile(r"complain|claim|жалоб|претенз|regulator|ombudsman", re.IGNORECASE)
COMPLAINT_FLAGS = (True, 1, "true", "yes", "1", "да")


def is_complaint(message) -> bool:
    """A formal complaint: the caller set ``metadata.complaint`` (true / yes / 1 / да), or the
    message came from a complaint source (a ``source`` such as "complaint_form", "claims",
    "жалоба", "претензия", "regulator" or "ombudsman")."""
    if message.source and COMPLAINT_SOURCE.search(message.source):
        return True
    analysis = message.extra.get("analysis")  # written by other tools too: anything but an object marks nothing
    metadata = analysis.get("metadata") if isinstance(analysis, dict) else None
    flag = metadata.get("complaint") if isinstance(metadata, dict) else None
    return (flag.strip().lower() if isinstance(flag, str) else flag) in COMPLAINT_FLAGS


@dataclass
class _Group:
    kind: str
    name: str
    contacts: int = 0
    negative: int = 0
    complaints: int = 0
    rated: int = 0
    rating_sum: float = 0.0
    customers: Counter = field(default_factory=Counter)
    owners: Counter = field(default_factory=Counter)
    daily: Counter = field(default_factory=Counter)


def debt_report(store, state_dir: Path, since: datetime, until: datetime, *, orders: int | None = None,
                topic_names: Mapping[str, str] | None = None, topic_owners: Mapping[str, str | None] | None = None,
                recent_days: int = 7, limit: int | None = None,
                progress: Callable[[int, int], None] | None = None,
                decisions: ClusterDecisions | None = None) -> dict[str, Any]:
    """The ranking for messages created in [since, until), with the formula and the period it covers.

    ``decisions`` are the analysts' (jobs.decisions): a cluster merged away counts with the cluster
    it was merged into, one mapped or promoted to a topic counts under that topic and its owner,
    one marked as noise is not a candidate topic (its messages count under their own topics),
    and a renamed one shows its new name. A topic's owner is the one ``topic_owners`` (the
    taxonomy in force) names; otherwise, and for unmapped clusters, the owner most of its
    messages were routed to."""
    if orders is not None and orders <= 0:
        raise ValueError(f"orders: must be a positive count, got {orders}")
    if as_utc(since) >= as_utc(until):
        raise ValueError(f"the period is empty: its start {since.isoformat()} is not before its end "
                         f"{until.isoformat()}")
    state = read_current(state_dir)
    routes = _cluster_routes([item.payload for item in current_clusters(store, state_dir, with_vectors=False)],
                             decisions or {})
    names = dict(topic_names or {})
    groups: dict[str, _Group] = {}
    window = MessageFilter(created_from=since, created_to=until)
    expected, seen = store.messages.count(window), 0
    for batch in store.messages.iterate(window, batch_size=2048, with_vectors=False):
        for message in batch.messages:
            route = routes.get(message.cluster_id) if message.cluster_id else None
            owner = message.owner
            if route is not None and route.kind == "unmapped":
                key, kind, name = f"cluster:{route.key}", "unmapped", route.name
            else:
                topic = route.key if route is not None else (message.topic or "unknown")
                owner = route.owner if route is not None else owner
                key, kind, name = f"topic:{topic}", "topic", names.get(topic, topic)
            group = groups.get(key) or groups.setdefault(key, _Group(kind, name))
            group.contacts += 1
            group.negative += message.sentiment == "negative"
            group.complaints += is_complaint(message)
            rating = _normalised(message.rating, message.extra.get("rating_scale"))
            if not math.isnan(rating):
                group.rated += 1
                group.rating_sum += rating
            if message.customer_id:
                group.customers[message.customer_id] += 1
            if owner:
                group.owners[owner] += 1
            group.daily[message.created_day] += 1
        seen += len(batch)
        if progress:
            progress(seen, expected)
    today = _day_after(until)
    period_days = (today - _day_of(since)).days
    baseline_days = min(BASELINE_DAYS, period_days - recent_days)
    stats, owners = [], {}
    for key, group in groups.items():
        ratio = 1.0
        if baseline_days >= recent_days:  # too short a period says nothing about growth
            ratio = growth(group.daily, today, recent_days=recent_days, baseline_days=baseline_days).ratio
        stats.append(GroupStats(key, group.name, group.contacts,
                                sum(n for n in group.customers.values() if n > 1), group.negative,
                                group.rating_sum / group.rated if group.rated else None, ratio, kind=group.kind,
                                complaints=group.complaints))
        owners[key] = group.owners.most_common(1)[0][0] if group.owners else None
    rows = debt_ranking(stats, total_contacts=seen, orders=orders)
    for rank, row in enumerate(rows, 1):
        row["rank"] = rank
        kind_value = row["key"].split(":", 1)[1]
        in_force = topic_owners is not None and row["kind"] == "topic" and kind_value in topic_owners
        row["owner"] = topic_owners[kind_value] if in_force else owners[row["key"]]  # type: ignore[index]
        row["topic" if row["kind"] == "topic" else "cluster_id"] = kind_value
        if row["kind"] == "unmapped":
            row["mapping"] = UNMAPPED
    return {
        "since": since.isoformat(), "until": until.isoformat(), "contacts": seen, "orders": orders,
        "run_id": state.run_id if state else None,
        "unmapped_clusters": len({route.key for route in routes.values() if route.kind == "unmapped"}),
        "growth": {"recent_days": recent_days, "baseline_days": max(baseline_days, 0),
                   "measured": baseline_days >= recent_days},
        "weights": dict(WEIGHTS),
        "score": "100 × Σ weight × component / Σ weight; components are 0 … 1 (see docs/clustering.md)",
        "groups": len(rows), "rows": rows[:limit] if limit else rows,
    }


@dataclass(frozen=True)
class _ClusterRoute:
    """Where the messages of one cluster count: an unmapped cluster (key = its id) or a topic."""
    kind: str  # "unmapped" | "topic"
    key: str
    name: str = ""
    owner: str | None = None


def _cluster_routes(payloads: list[dict[str, Any]], decisions: ClusterDecisions) -> dict[str, _ClusterRoute]:
    """For each cluster of the run whose messages do not simply count under their own topics, where they count."""
    by_id = {payload["cluster_id"]: payload for payload in payloads}
    targets = merge_targets(by_id, decisions)
    routes: dict[str, _ClusterRoute] = {}
    for cluster_id in by_id:
        root = targets.get(cluster_id, cluster_id)
        decision, payload = decisions.get(root) or {}, by_id[root]
        if decision.get("topic"):
            routes[cluster_id] = _ClusterRoute("topic", decision["topic"], owner=decision.get("owner"))
        elif not decision.get("noise") and payload.get("mapping") == UNMAPPED:
            routes[cluster_id] = _ClusterRoute("unmapped", root, decision.get("name") or payload.get("name") or root)
        elif root != cluster_id and not decision.get("noise") and payload.get("topic"):  # merged into a mapped one
            routes[cluster_id] = _ClusterRoute("topic", payload["topic"], owner=payload.get("owner"))
    return routes


def _day_of(moment: datetime) -> date:
    return moment.astimezone(UTC).date() if moment.tzinfo else moment.date()


def _day_after(until: datetime) -> date:
    """The first day after the period's last instant: growth compares the days before it."""
    return _day_of(until - timedelta(microseconds=1)) + timedelta(days=1)


def read_order_counts(path: Path, since: datetime, until: datetime) -> int:
    """Orders in the period from a CSV (``date,orders`` columns, one row per day, more columns ignored)."""
    import csv

    if not path.is_file():
        raise ValueError(f"--orders: {path} is not a file")
    first, last = _day_of(since), _day_after(until)
    total, rows = 0, 0
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if not reader.fieldnames or not {"date", "orders"} <= set(reader.fieldnames):
            raise ValueError(f"--orders: {path} needs the columns 'date' and 'orders', found {reader.fieldnames}")
        for line, row in enumerate(reader, start=2):
            try:
                day, count = date.fromisoformat(row["date"].strip()[:10]), float(row["orders"])
            except (AttributeError, ValueError):
                raise ValueError(f"--orders: {path} line {line}: expected an ISO date and a number, got "
                                 f"{row.get('date')!r}, {row.get('orders')!r}") from None
            if count < 0:
                raise ValueError(f"--orders: {path} line {line}: a negative order count ({count:g})")
            if first <= day < last:
                total += int(count)
                rows += 1
    if not rows or total <= 0:
        raise ValueError(f"--orders: {path} has no orders between {first} and {last - timedelta(days=1)}")
    return total

