"""Client debt: how much a topic or cluster costs customers, as one documented score.

Each component is scaled to 0 … 1 and shown beside the score:

* ``volume``   — log(1 + contacts) / log(1 + contacts of the largest group)
* ``share``    — contacts / all contacts in the period, relative to the largest share
* ``repeat``   — share of contacts from customers who wrote on this group more than once
* ``negative`` — share of contacts with negative sentiment
* ``rating``   — 1 − mean normalised rating (0 = best, 1 = worst); 0.5 when nothing was rated
* ``complaints`` — share of contacts that are formal complaints (marked by the caller, see
  `jobs.debt_report.is_complaint`)
* ``growth``   — (recent / expected − 1) / 3, clipped to 0 … 1 (a quadrupling scores 1)

score = 100 × Σ weight × component / Σ weight, with the default weights
volume 0.20, share 0.15, repeat 0.15, negative 0.20, rating 0.15, complaints 0.10,
growth 0.15. When no contact of the period is marked as a complaint, the complaints
component is shown as 0 and left out of the score (its weight too), so data without
complaint marks ranks exactly as it would without the component.
With order counts supplied, ``contacts_per_1000_orders`` is shown too (not scored).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

WEIGHTS = {"volume": 0.20, "share": 0.15, "repeat": 0.15, "negative": 0.20, "rating": 0.15, "complaints": 0.10,
           "growth": 0.15}


@dataclass(frozen=True)
class GroupStats:
    """What the score needs to know about one topic or cluster in the period."""

    key: str
    name: str
    contacts: int
    repeat_contacts: int = 0  # contacts from customers with more than one contact on this group
    negative: int = 0
    rating_mean: float | None = None  # normalised: 0 = worst … 1 = best
    growth_ratio: float = 1.0  # recent / expected, from clustering.trends
    complaints: int = 0  # contacts marked as formal complaints
    kind: str = "cluster"  # "cluster", "topic" or "unmapped"


def debt_ranking(groups: list[GroupStats], *, total_contacts: int | None = None,
                 orders: int | None = None, weights: Mapping[str, float] = WEIGHTS) -> list[dict]:
    """Groups ranked by score, highest first, each with its components."""
    if not groups:
        return []
    total = total_contacts or sum(g.contacts for g in groups) or 1
    largest = max(g.contacts for g in groups) or 1
    top_share = largest / total
    if not any(g.complaints for g in groups):  # nothing marked: the component says nothing
        weights = {k: v for k, v in weights.items() if k != "complaints"}
    weight_sum = sum(weights.values()) or 1.0
    rows = []
    for group in groups:
        n = max(group.contacts, 0)
        components = {
            "volume": math.log1p(n) / math.log1p(largest),
            "share": (n / total) / top_share if top_share else 0.0,
            "repeat": group.repeat_contacts / n if n else 0.0,
            "negative": group.negative / n if n else 0.0,
            "rating": 0.5 if group.rating_mean is None else 1.0 - min(max(group.rating_mean, 0.0), 1.0),
            "complaints": group.complaints / n if n else 0.0,
            "growth": min(max((group.growth_ratio - 1.0) / 3.0, 0.0), 1.0),
        }
        score = 100 * sum(weights.get(k, 0.0) * v for k, v in components.items()) / weight_sum
        row = {"key": group.key, "name": group.name, "kind": group.kind, "contacts": n,
               "share_of_contacts": round(n / total, 4), "score": round(score, 2),
               "components": {k: round(v, 4) for k, v in components.items()}}
        if orders:
            row["contacts_per_1000_orders"] = round(1000 * n / orders, 3)
        rows.append(row)
    return sorted(rows, key=lambda r: (-r["score"], r["key"]))
