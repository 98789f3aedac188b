"""The held-out check of the outside-example rule, on vectors built here."""

import numpy as np

from evaluation.outside_rate import held_out_draw


def _clustered(classes: int, per_class: int, dim: int = 32, spread: float = 0.15, seed: int = 1):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(classes, dim))
    labels = np.repeat(np.arange(classes), per_class).astype(object)
    vectors = centres[labels.astype(int)] + spread * rng.normal(size=(classes * per_class, dim))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    train = np.tile(np.arange(per_class) < per_class // 2, classes)
    return vectors.astype(np.float32), labels, train


def test_well_separated_held_out_classes_are_caught_and_known_ones_rarely_flagged():
    vectors, labels, train = _clustered(classes=12, per_class=40)
    results = held_out_draw(vectors, labels, train, held_out=3, rates=[0.02], seed=0)
    recall, known_flagged = results[0.02]
    assert recall > 0.9
    assert known_flagged <= 0.05


def test_a_higher_rate_flags_at_least_as_many_messages():
    vectors, labels, train = _clustered(classes=12, per_class=40, spread=0.6)
    results = held_out_draw(vectors, labels, train, held_out=3, rates=[0.0, 0.05, 0.2], seed=0)
    recalls = [results[rate][0] for rate in (0.0, 0.05, 0.2)]
    flagged = [results[rate][1] for rate in (0.0, 0.05, 0.2)]
    assert recalls == sorted(recalls) and flagged == sorted(flagged)
    assert flagged[2] > flagged[0]
