"""The "unknown" rule: percentile scores and a threshold calibrated on known topics only."""

import numpy as np

from topics.novelty import NoveltyRule, budget_threshold


def test_the_budget_allows_sending_wrong_answers_for_free():
    scores = np.arange(10) / 10.0
    correct = np.array([False, False, False, True, True, True, True, True, True, True])
    # the three lowest are wrong anyway: sending them costs nothing; the fourth would cost 10 % accuracy
    assert budget_threshold(scores, correct, max_accuracy_drop=0.05, max_share=1.0) == 0.3
    assert budget_threshold(scores, correct, max_accuracy_drop=0.1, max_share=1.0) == 0.4
    assert budget_threshold(scores, correct, max_accuracy_drop=0.5, max_share=0.2) == 0.2


def test_nothing_fits_the_budget_leaves_only_messages_below_every_known_one():
    scores = np.linspace(0.05, 1, 20)
    threshold = budget_threshold(scores, np.ones(20, dtype=bool), max_accuracy_drop=0.0, max_share=1.0)
    assert not (scores < threshold).any() and threshold > 0.0


def test_a_message_unsure_and_unlike_training_is_unknown():
    rng = np.random.default_rng(0)
    probability, similarity = rng.uniform(0.5, 1.0, 500), rng.uniform(0.8, 1.0, 500)
    correct = probability > 0.6
    rule = NoveltyRule(quantile=0.3, max_accuracy_drop=0.02).fit(probability, similarity, correct)
    flagged = rule.is_unknown(probability, similarity)
    assert 0 < flagged.mean() <= 0.3
    assert (flagged & correct).mean() <= 0.02 + 1e-9
    assert rule.is_unknown(np.array([0.3, 0.99]), np.array([0.5, 0.99])).tolist() == [True, False]


def test_quantile_zero_turns_unknown_off_and_the_rule_round_trips():
    probability, similarity = np.linspace(0.2, 1, 50), np.linspace(0.5, 1, 50)
    off = NoveltyRule(quantile=0.0).fit(probability, similarity, probability > 0.5)
    assert not off.is_unknown(np.array([0.0]), np.array([0.0])).any()
    rule = NoveltyRule(quantile=0.1, max_accuracy_drop=None).fit(probability, similarity)
    again = NoveltyRule.from_json(rule.to_json())
    assert np.array_equal(again.is_unknown(probability, similarity), rule.is_unknown(probability, similarity))
    assert 0.05 <= rule.is_unknown(probability, similarity).mean() <= 0.15
