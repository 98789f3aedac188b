"""Sentiment shift: the negative share of the recent days against the baseline, guarded against small counts."""

from dataclasses import replace
from datetime import date, timedelta

import pytest

from clustering.trends import sentiment_shift
from jobs import current_clusters
from store import open_store
from tests.test_jobs_recluster import DIM, NOW, fill, messages, run

TODAY = date(2024, 6, 1)


def spread(total: int, days: range) -> dict[date, int]:
    """``total`` contacts spread evenly over the given days before TODAY (1 = yesterday)."""
    out: dict[date, int] = {}
    for i in range(total):
        day = TODAY - timedelta(days=days[i % len(days)])
        out[day] = out.get(day, 0) + 1
    return out


def merged(*parts: dict[date, int]) -> dict[date, int]:
    out: dict[date, int] = {}
    for part in parts:
        for day, n in part.items():
            out[day] = out.get(day, 0) + n
    return out


RECENT, BASELINE = range(1, 8), range(8, 36)


def test_a_clear_rise_of_the_negative_share_fires():
    daily = merged(spread(40, RECENT), spread(120, BASELINE))
    negative = merged(spread(24, RECENT), spread(12, BASELINE))  # 60% recent vs 10% before
    shift = sentiment_shift(daily, negative, TODAY)
    assert shift.recent == 40 and shift.baseline == 120
    assert shift.recent_share == 0.6 and shift.baseline_share == 0.1
    assert shift.shifted and shift.z > 3


def test_small_counts_never_fire_even_when_all_recent_contacts_are_negative():
    daily = merged(spread(4, RECENT), spread(120, BASELINE))
    negative = merged(spread(4, RECENT), spread(6, BASELINE))  # 100% vs 5%, but only 4 recent contacts
    shift = sentiment_shift(daily, negative, TODAY)
    assert shift.recent_share == 1.0 and not shift.shifted
    assert sentiment_shift(daily, negative, TODAY, min_contacts=4).shifted  # the guard is what stops it


def test_a_new_cluster_without_baseline_is_not_a_shift():
    daily, negative = spread(50, RECENT), spread(50, RECENT)
    assert not sentiment_shift(daily, negative, TODAY).shifted


def test_a_small_rise_or_a_fall_does_not_fire():
    daily = merged(spread(200, RECENT), spread(800, BASELINE))
    slight = merged(spread(50, RECENT), spread(160, BASELINE))  # 25% vs 20%: significant-ish, but small
    assert not sentiment_shift(daily, slight, TODAY).shifted
    fall = merged(spread(10, RECENT), spread(400, BASELINE))
    shift = sentiment_shift(daily, fall, TODAY)
    assert shift.rise < 0 and not shift.shifted


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def test_a_run_marks_the_cluster_whose_recent_contacts_turned_negative_as_emerging(store, tmp_path):
    fill(store, topics=(0, 1, 2), per_topic=80, days=35)
    angry, vectors = messages(1, 40, days=6, start=500, seed=3, sentiment="negative")
    store.messages.upsert([replace(m, id=f"angry-{i}") for i, m in enumerate(angry)], vectors)
    report = run(store, tmp_path, until=NOW)
    by_topic = {item.payload["topic"]: item.payload for item in current_clusters(store, tmp_path)}
    shifted = by_topic["topic-1"]
    assert shifted["sentiment_shift"]["shifted"] and shifted["emerging"]
    assert shifted["sentiment_shift"]["baseline_share"] == 0.0 and shifted["sentiment_shift"]["recent_share"] > 0.5
    assert sum(shifted["daily_negative"].values()) == 40
    assert not by_topic["topic-0"]["sentiment_shift"]["shifted"] and not by_topic["topic-0"]["emerging"]
    assert report["sentiment_shifts"] == 1
