"""Between runs: id matching with merges and splits, growth and status, the client-debt score."""

from datetime import date, timedelta

import numpy as np

from clustering.debt import GroupStats, debt_ranking
from clustering.matching import match_clusters, stability
from clustering.trends import growth, status

TODAY = date(2024, 6, 1)


def minting(prefix="n"):
    counter = iter(range(1, 100))
    return lambda: f"{prefix}{next(counter)}"


def unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_ids_follow_members_not_cluster_order():
    centroids = unit(np.eye(3))
    previous = np.repeat([0, 1, 2], 10)
    new = np.repeat([2, 0, 1], 10)  # same groups, new numbering
    result = match_clusters(["a", "b", "c"], centroids, centroids[[1, 2, 0]], previous, new, minting(),
                            centroid_threshold=0.9)
    assert result.ids == ["b", "c", "a"] and not result.minted and not result.merges and not result.splits


def test_merge_split_new_and_gone_are_recorded():
    prev_centroids = unit(np.eye(4))
    new_centroids = unit([[1, 1, 0, 0], [0, 0, 1, 0], [0, 0, 1, 0.1], [0, 0, 0, 0], [0, 0, 0, 0]][:3] + [[0, 0, 0, 1]])
    # previous a+b → new 0 (merge); previous c → new 1 and new 2 (split); previous d vanished; new 3 has no members
    previous = np.asarray([0] * 10 + [1] * 10 + [2] * 20 + [3] * 5)
    new = np.asarray([0] * 20 + [1] * 10 + [2] * 10 + [-1] * 5)
    result = match_clusters(["a", "b", "c", "d"], prev_centroids, new_centroids, previous, new, minting(),
                            centroid_threshold=0.95)
    assert result.ids[0] in {"a", "b"} and result.ids[1] == "c" or result.ids[2] == "c"
    assert {"into": result.ids[0], "from": ["a", "b"]} in result.merges
    assert result.splits == [{"from": "c", "into": [result.ids[1], result.ids[2]]}]
    assert result.ids[3] == "n2" or result.ids[3] == "d"  # only the centroid can decide: d's members are noise now
    assert len(set(result.ids)) == 4


def test_a_cluster_with_no_shared_members_matches_by_centroid_only_when_close():
    previous = np.asarray([], dtype=np.int64)
    close = match_clusters(["a"], unit([[1, 0]]), unit([[1, 0.05]]), previous, previous, minting(),
                           centroid_threshold=0.99)
    far = match_clusters(["a"], unit([[1, 0]]), unit([[1, 0.5]]), previous, previous, minting(),
                         centroid_threshold=0.99)
    assert close.ids == ["a"] and far.ids == ["n1"] and far.gone == ["a"]


def test_stability_counts_lost_and_gained_clusters_as_changes():
    assert stability(["a", "a", "b", None], ["a", "a", "c", None]) == 2 / 3
    assert stability(["a", None], [None, "b"]) == 0.0
    assert stability([None], [None]) is None


def daily(recent_per_day, baseline_per_day):
    days = {}
    for back in range(1, 36):
        day = TODAY - timedelta(days=back)
        days[day] = recent_per_day if back <= 7 else baseline_per_day
    return days


def test_growth_fires_on_a_real_surge_only():
    assert growth(daily(10, 2), TODAY).growing  # 70 vs an expected ~14
    assert not growth(daily(2, 2), TODAY).growing
    small = growth({TODAY - timedelta(days=1): 3}, TODAY)  # 3 messages from nothing: a huge ratio, tiny count
    assert small.ratio > 10 and not small.growing
    assert not growth(daily(1, 0) | {TODAY - timedelta(days=2): 2}, TODAY).growing


def test_status_new_growing_stable_fading():
    steady = growth(daily(3, 3), TODAY)
    assert status(steady, minted=True, first_seen=None, today=TODAY) == "new"
    assert status(steady, minted=False, first_seen=TODAY - timedelta(days=3), today=TODAY) == "new"
    assert status(steady, minted=False, first_seen=None, today=TODAY) == "stable"
    assert status(growth(daily(12, 2), TODAY), minted=False, first_seen=None, today=TODAY) == "growing"
    assert status(growth(daily(0, 3), TODAY), minted=False, first_seen=None, today=TODAY) == "fading"


def test_debt_score_ranks_painful_groups_first_and_shows_components():
    groups = [
        GroupStats("big-happy", "faq", 1000, repeat_contacts=50, negative=50, rating_mean=0.9),
        GroupStats("painful", "double charge", 300, repeat_contacts=150, negative=250, rating_mean=0.1,
                   growth_ratio=3.0),
        GroupStats("small", "typo", 5, negative=1),
    ]
    ranking = debt_ranking(groups, orders=10_000)
    assert [row["key"] for row in ranking] == ["painful", "big-happy", "small"]
    top = ranking[0]
    assert set(top["components"]) == {"volume", "share", "repeat", "negative", "rating", "complaints", "growth"}
    assert all(0 <= v <= 1 for v in top["components"].values()) and 0 <= top["score"] <= 100
    assert top["contacts_per_1000_orders"] == 30.0 and ranking[2]["components"]["rating"] == 0.5


def test_boundary_messages_stay_in_their_surviving_cluster_within_the_margin():
    from clustering.matching import keep_previous

    centroids = unit([[1, 0], [0, 1]])
    # at the boundary; below the threshold for cluster 1; not previously clustered; past the margin
    vectors = unit([[1, 0.98], [1, 0.5], [0.2, 1], [1, 0.7]])
    labels = np.asarray([0, 0, 1, 0])
    previous = np.asarray([1, 1, -1, 1])
    kept = keep_previous(vectors, labels, previous, centroids, threshold=0.5, stickiness=0.25)
    assert kept.tolist() == [1, 0, 1, 0]  # only the message within the margin (0.125) stays
    assert keep_previous(vectors, labels, previous, centroids, 0.5, stickiness=0).tolist() == labels.tolist()
