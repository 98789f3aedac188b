"""Nearest-neighbour topic votes."""

import numpy as np

from topics.neighbours import neighbour_votes


def unit(*rows):
    array = np.asarray(rows, dtype=np.float32)
    return array / np.linalg.norm(array, axis=1, keepdims=True)


def test_the_closest_training_message_decides_at_a_low_temperature():
    reference = unit([1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.2, 0.8])
    columns = np.array([0, 0, 1, 1, 1])
    votes = neighbour_votes(unit([0.95, 0.05], [0.05, 1]), reference, columns, 2, k=5, temperature=0.01)
    assert votes.argmax(axis=1).tolist() == [0, 1]
    assert np.allclose(votes.sum(axis=1), 1.0)


def test_a_high_temperature_approaches_a_majority_of_the_k_nearest():
    reference = unit([1, 0], [0, 1], [0.1, 1], [0.2, 1])
    columns = np.array([0, 1, 1, 1])
    query = unit([1, 0.05])
    assert neighbour_votes(query, reference, columns, 2, k=4, temperature=0.01).argmax() == 0
    assert neighbour_votes(query, reference, columns, 2, k=4, temperature=100.0).argmax() == 1


def test_k_larger_than_the_reference_uses_all_of_it():
    votes = neighbour_votes(unit([1, 0]), unit([1, 0], [0, 1]), np.array([0, 1]), 3, k=50, temperature=1.0)
    assert votes.shape == (1, 3) and votes[0, 2] == 0.0 and votes[0, 0] > votes[0, 1] > 0
