"""Exact neighbours for UMAP's graph, and cluster sums without np.add.at."""

import numpy as np

from clustering.centroids import centroids_of, cluster_sums
from clustering.neighbours import ExactCosineIndex, cosine_neighbours
from clustering.stages import UmapReducer


def _unit(rows, dim, seed=0):
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def test_neighbours_are_the_brute_force_ones_nearest_first(monkeypatch):
    import core.neighbours as neighbours

    monkeypatch.setattr(neighbours, "BLOCK_ELEMENTS", 500)  # many blocks, so block edges are exercised
    data = _unit(120, 8)
    indices, distances = cosine_neighbours(data, data, 6, exclude_self=True)
    assert indices.shape == distances.shape == (120, 6)
    assert (indices[:, 0] == np.arange(120)).all() and (distances[:, 0] == 0).all()
    full = 1.0 - data @ data.T
    np.fill_diagonal(full, -1.0)
    expected = np.argsort(full, axis=1, kind="stable")[:, :6]
    assert (np.sort(indices, axis=1) == np.sort(expected, axis=1)).all()
    assert np.allclose(distances[:, 1:], np.take_along_axis(full, indices[:, 1:], axis=1), atol=1e-5)
    assert (np.diff(distances, axis=1) >= -1e-6).all()


def test_a_query_finds_its_own_duplicate_and_scales_inputs_to_unit_length():
    data = _unit(50, 5, seed=1)
    index = ExactCosineIndex(data)
    found, distance = index.query(3.0 * data[[7, 21]], k=3)
    assert found[:, 0].tolist() == [7, 21] and np.allclose(distance[:, 0], 0.0, atol=1e-5)
    few, _ = index.query(data[:2], k=80)  # more neighbours asked than rows: all rows, nearest first
    assert few.shape == (2, 50) and sorted(few[0].tolist()) == list(range(50))


def test_umap_on_exact_neighbours_still_transforms_new_vectors():
    groups = np.repeat(np.eye(6, 12, dtype=np.float32), 25, axis=0)
    vectors = groups + 0.05 * _unit(150, 12, seed=2)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    reducer = UmapReducer(n_components=2, n_neighbors=8, random_state=0, exact_neighbours_max=1000)
    points = reducer.fit_transform(vectors)
    assert isinstance(reducer.model_._knn_search_index, ExactCosineIndex)
    placed = reducer.transform(vectors[[0, 140]])
    nearest = [int(np.argmin(np.linalg.norm(points - p, axis=1))) // 25 for p in placed]
    assert nearest == [0, 5]  # each new vector lands among its own group


def test_cluster_sums_match_a_plain_loop_across_blocks(monkeypatch):
    import clustering.centroids as centroids

    monkeypatch.setattr(centroids, "SUM_BLOCK", 7)
    vectors = _unit(40, 4, seed=3)
    labels = np.random.default_rng(4).integers(-1, 3, 40)
    labels[:7] = -1  # a block with no member at all
    sums = cluster_sums(vectors, labels, 4)  # cluster 3 has no member
    for cluster in range(4):
        assert np.allclose(sums[cluster], vectors[labels == cluster].sum(axis=0), atol=1e-5)
    unit = centroids_of(vectors, labels, 4)
    assert np.allclose(np.linalg.norm(unit[:3], axis=1), 1.0, atol=1e-5) and (unit[3] == 0).all()
