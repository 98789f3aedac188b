"""Trends of a cluster: growth of the recent days against a baseline, and its status.

The recent period (default the last 7 days) is compared with the baseline period before
it (default the 4 weeks before). The expected recent count is the baseline daily rate
(plus one contact of smoothing over the baseline) times the recent days. A cluster is
*growing* only when all three hold, so small counts never fire:

* at least ``min_recent`` contacts in the recent period,
* at least ``min_ratio`` times the expected count,
* a Poisson z-score (recent − expected) / √expected of at least ``min_z``.

Status: *new* when the cluster id was minted in this run or the cluster was first seen
within the recent period, *growing* as above, *fading* when the recent rate fell to at
most ``fade_ratio`` of the baseline rate (with at least ``min_recent`` baseline
contacts), *stable* otherwise. *Emerging* means new or growing — or a sentiment shift:

* the negative share of the recent period against the baseline's, with at least
  ``min_contacts`` contacts in each period, a rise of at least ``min_rise`` (absolute
  share) and a two-proportion z-score of at least ``min_z``; so 3 negatives out of 4
  never fire.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Growth:
    recent: int
    baseline: int
    expected: float
    ratio: float
    z: float
    growing: bool
    fading: bool

    def as_dict(self) -> dict:
        return asdict(self)


def growth(daily: Mapping[date, int], today: date, *, recent_days: int = 7, baseline_days: int = 28,
           min_recent: int = 10, min_ratio: float = 2.0, min_z: float = 3.0, fade_ratio: float = 0.5) -> Growth:
    """Growth of the days before ``today`` (excluded): recent = [today − recent_days, today),
    baseline = the ``baseline_days`` before that."""
    recent_start = today - timedelta(days=recent_days)
    baseline_start = recent_start - timedelta(days=baseline_days)
    recent = sum(n for day, n in daily.items() if recent_start <= day < today)
    baseline = sum(n for day, n in daily.items() if baseline_start <= day < recent_start)
    expected = (baseline + 1) / baseline_days * recent_days
    ratio = recent / expected
    z = (recent - expected) / math.sqrt(expected)
    growing = recent >= min_recent and ratio >= min_ratio and z >= min_z
    fading = baseline >= min_recent and recent / recent_days <= fade_ratio * baseline / baseline_days
    return Growth(recent, baseline, round(expected, 3), round(ratio, 3), round(z, 3), growing, fading)


def unmeasured(daily: Mapping[date, int], today: date, *, recent_days: int = 7) -> Growth:
    """The growth of a window too short for a baseline: the recent count, neither growing nor fading
    (ratio 1, z 0)."""
    recent = sum(n for day, n in daily.items() if today - timedelta(days=recent_days) <= day < today)
    return Growth(recent, 0, float(recent), 1.0, 0.0, False, False)


@dataclass(frozen=True)
class SentimentShift:
    recent: int
    recent_negative: int
    baseline: int
    baseline_negative: int
    recent_share: float
    baseline_share: float
    rise: float
    z: float
    shifted: bool

    def as_dict(self) -> dict:
        return asdict(self)


def sentiment_shift(daily: Mapping[date, int], daily_negative: Mapping[date, int], today: date, *,
                    recent_days: int = 7, baseline_days: int = 28, min_contacts: int = 20,
                    min_rise: float = 0.15, min_z: float = 3.0) -> SentimentShift:
    """Did the negative share of the recent days rise against the baseline? Periods as in :func:`growth`;
    ``daily`` counts every contact, ``daily_negative`` those with negative sentiment."""
    recent_start = today - timedelta(days=recent_days)
    baseline_start = recent_start - timedelta(days=baseline_days)

    def total(counts: Mapping[date, int], start: date, end: date) -> int:
        return sum(n for day, n in counts.items() if start <= day < end)

    recent, baseline = total(daily, recent_start, today), total(daily, baseline_start, recent_start)
    recent_neg = total(daily_negative, recent_start, today)
    baseline_neg = total(daily_negative, baseline_start, recent_start)
    recent_share = recent_neg / recent if recent else 0.0
    baseline_share = baseline_neg / baseline if baseline else 0.0
    pooled = (recent_neg + baseline_neg) / (recent + baseline) if recent + baseline else 0.0
    spread = math.sqrt(pooled * (1 - pooled) * (1 / max(recent, 1) + 1 / max(baseline, 1)))
    z = (recent_share - baseline_share) / spread if spread > 0 else 0.0
    rise = recent_share - baseline_share
    shifted = min(recent, baseline) >= min_contacts and rise >= min_rise and z >= min_z
    return SentimentShift(recent, recent_neg, baseline, baseline_neg, round(recent_share, 4),
                          round(baseline_share, 4), round(rise, 4), round(z, 3), shifted)


def status(trend: Growth, *, minted: bool, first_seen: date | None, today: date, recent_days: int = 7) -> str:
    if minted or (first_seen is not None and first_seen >= today - timedelta(days=recent_days)):
        return "new"
    if trend.growing:
        return "growing"
    if trend.fading:
        return "fading"
    return "stable"


def is_emerging(cluster_status: str) -> bool:
    return cluster_status in ("new", "growing")
