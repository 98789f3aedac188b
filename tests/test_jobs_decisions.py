"""Chains of merges, as the listings, the debt report and routing apply them."""

from jobs.decisions import merge_targets


def test_a_chain_of_merges_ends_in_its_last_cluster():
    decisions = {"a": {"merged_into": "b"}, "b": {"merged_into": "c"}, "d": {"name": "kept"}}
    assert merge_targets(["a", "b", "c", "d"], decisions) == {"a": "c", "b": "c"}


def test_a_chain_goes_on_through_a_cluster_gone_in_a_later_run():
    decisions = {"a": {"merged_into": "b"}, "b": {"merged_into": "c"}}
    assert merge_targets(["a", "c"], decisions) == {"a": "c"}


def test_a_merge_into_clusters_all_gone_no_longer_applies():
    decisions = {"a": {"merged_into": "b"}, "b": {"merged_into": "c"}}
    assert merge_targets(["a", "x"], decisions) == {}


def test_merges_in_a_cycle_left_by_hand_edits_do_not_apply():
    decisions = {"a": {"merged_into": "b"}, "b": {"merged_into": "a"}, "c": {"merged_into": "a"}}
    assert merge_targets(["a", "b", "c"], decisions) == {}
