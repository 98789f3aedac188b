"""Refinement in the reduced space and the centred UMAP input."""

import numpy as np

from clustering import ClusterPipeline, GivenLabels, HdbscanClusterer, NoReduction
from clustering.refine import refine_in_reduced_space
from clustering.stages import UmapReducer


def test_noise_and_misplaced_points_join_the_nearest_cluster_mean():
    points = np.array([[0.0, 0.0], [0.1, 0.0], [0.0, 0.1],  # cluster 0 around the origin
                       [5.0, 5.0], [5.1, 5.0], [5.0, 5.1],  # cluster 1 around (5, 5)
                       [4.6, 4.6],                          # labelled 0 by the clusterer, but nearer cluster 1
                       [0.3, 0.2], [4.8, 4.9]])             # noise near each cluster
    labels = np.array([0, 0, 0, 1, 1, 1, 0, -1, -1])
    refined = refine_in_reduced_space(points, labels, steps=5)
    assert refined.tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 1]
    assert refine_in_reduced_space(points, labels, steps=0).tolist() == labels.tolist()


def test_an_emptied_cluster_disappears_and_the_rest_are_renumbered():
    points = np.array([[0.1], [0.2], [10.1], [10.2], [0.0], [10.0]])
    labels = np.array([0, 0, 2, 2, 1, 1])  # cluster 1 straddles the other two; its mean (5.0) is nobody's nearest
    refined = refine_in_reduced_space(points, labels, steps=3)
    assert refined.tolist() == [0, 0, 1, 1, 0, 1]
    assert refine_in_reduced_space(points, np.full(6, -1), steps=3).tolist() == [-1] * 6


def _groups(seed=0, per_group=30, dim=16):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(2, dim))
    vectors = np.vstack([c + 0.1 * rng.normal(size=(per_group, dim)) for c in centres])
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), centres


def test_refinement_takes_near_noise_but_a_far_point_stays_noise():
    vectors, centres = _groups()
    near = centres[0] + 0.15 * np.random.default_rng(1).normal(size=centres.shape[1])
    far = -(centres[0] + centres[1])  # opposite both groups
    extra = np.vstack([near, far])
    extra /= np.linalg.norm(extra, axis=1, keepdims=True)
    points = np.vstack([vectors, extra]).astype(np.float32)
    given = np.r_[np.zeros(30), np.ones(30), -1, -1].astype(np.int64)  # both extra points are noise
    refined = ClusterPipeline(NoReduction(), GivenLabels(given), refine_steps=5).fit(points)
    assert refined.labels_[60] == 0  # the near one joined its group
    assert refined.labels_[61] == -1  # the far one was taken by the nearest mean, then failed the threshold
    assert refined.noise_before_assignment_ == 2 / 62 and refined.noise_share_ == 1 / 62
    unrefined = ClusterPipeline(NoReduction(), GivenLabels(given), refine_steps=0).fit(points)
    assert unrefined.labels_[:60].tolist() == given[:60].tolist() and unrefined.labels_[61] == -1


def test_the_job_and_the_cli_take_their_defaults_from_the_pipeline():
    from cli.clusters import DEFAULTS
    from jobs import ReclusterSettings

    settings = ReclusterSettings()
    assert DEFAULTS is ClusterPipeline.DEFAULTS
    for key in ("min_cluster_size", "min_samples", "outlier_quantile", "max_fit", "spelling_weight", "random_state"):
        assert getattr(settings, key) == ClusterPipeline.DEFAULTS[key] == getattr(ClusterPipeline(), key)
    assert ClusterPipeline().refine_steps > 0


def test_centred_umap_input_removes_the_common_direction():
    vectors, _ = _groups(per_group=20)
    shared = np.ones(vectors.shape[1], dtype=np.float32) * 2.0  # a common offset, as sentence encoders have
    shifted = vectors + shared
    shifted /= np.linalg.norm(shifted, axis=1, keepdims=True)
    reducer = UmapReducer(n_components=2, n_neighbors=5, random_state=0)
    points = reducer.fit_transform(shifted)
    assert np.allclose(reducer.mean_, shifted.mean(axis=0), atol=1e-6)
    centred = reducer._centred(shifted)
    assert np.allclose(np.linalg.norm(centred, axis=1), 1.0, atol=1e-5)
    assert abs(float(centred.mean(axis=0) @ shifted.mean(axis=0))) < 0.1  # little of the shared part is left
    labels = HdbscanClusterer(min_cluster_size=5).fit(points).labels_
    assert len(set(labels[:20].tolist()) & set(labels[20:].tolist()) - {-1}) == 0  # groups kept apart
    assert UmapReducer(centre=False, n_components=2, n_neighbors=5).fit(shifted).mean_ is None


def test_a_seeded_start_keeps_previous_clusters_and_adds_only_new_groups():
    from clustering.refine import seeded_start

    found = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2, -1, -1])
    seeds = np.array([0, 0, 1, 1, 1, 1, -1, -1, -1, 1, 0, -1])
    # HDBSCAN merged previous clusters 0 and 1 (its cluster 0): they start apart again; its cluster 1 is
    # mostly seeded, so its unseeded point starts as noise; cluster 2 is mostly new: a new cluster (2)
    assert seeded_start(found, seeds).tolist() == [0, 0, 1, 1, 1, 1, -1, 2, 2, 2, 0, -1]
    assert seeded_start(found, np.full(12, -1)).tolist() == found.tolist()  # nothing before: as found


def test_seeds_stop_a_merge_by_hdbscan_and_noise_joins_its_previous_cluster():
    rng = np.random.default_rng(3)
    points = np.vstack([rng.normal((0, 0), 0.3, (20, 2)), rng.normal((3, 0), 0.3, (20, 2)),
                        rng.normal((20, 20), 0.3, (20, 2))])
    vectors = np.hstack([points, np.ones((60, 1))]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    merged = np.r_[np.zeros(40), np.ones(20)].astype(np.int64)  # the clusterer sees two groups now

    class Given:
        def fit_transform(self, _):
            return points

    seeds = np.r_[np.zeros(20), np.ones(20), np.full(20, -1)].astype(np.int64)  # new third group
    pipeline = ClusterPipeline(Given(), GivenLabels(merged), refine_steps=5, outlier_quantile=0.0)
    seeded = pipeline.fit(vectors, seeds=seeds).labels_
    assert len(set(seeded[:20].tolist())) == len(set(seeded[20:40].tolist())) == 1
    assert len({seeded[0], seeded[20], seeded[40]}) == 3  # both previous clusters and the new group
    fresh = ClusterPipeline(Given(), GivenLabels(merged), refine_steps=5, outlier_quantile=0.0).fit(vectors).labels_
    assert fresh[0] == fresh[20] and pipeline.n_clusters_ == 3


def test_kmeans_restarts_escape_a_poor_start_from_the_clusterer():
    from clustering.refine import kmeans_in_reduced_space

    rng = np.random.default_rng(5)
    centres = np.array([[0.0, 0.0], [0.0, 6.0], [12.0, 3.0]])
    points = np.vstack([rng.normal(c, 0.4, (30, 2)) for c in centres])
    truth = np.repeat([0, 1, 2], 30)
    # the clusterer merged the first two groups and cut the third in half: steps from there stay stuck
    poor = np.r_[np.zeros(60), np.where(points[60:, 1] < 3.0, 1, 2)].astype(np.int64)
    stuck = refine_in_reduced_space(points, poor, steps=20)
    assert len(set(stuck[:60].tolist())) == 1
    found = kmeans_in_reduced_space(points, 3, restarts=4, random_state=0)
    assert all(len(set(found[truth == g].tolist())) == 1 for g in range(3)) and len(set(found.tolist())) == 3
    vectors = np.hstack([points, np.full((90, 1), 5.0)]).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)

    class Given:
        def fit_transform(self, _):
            return points

    restarted = ClusterPipeline(Given(), GivenLabels(poor), refine_restarts=4, outlier_quantile=0.0).fit(vectors)
    assert all(len(set(restarted.labels_[truth == g].tolist())) == 1 for g in range(3))
    from_start = ClusterPipeline(Given(), GivenLabels(poor), refine_restarts=0, outlier_quantile=0.0).fit(vectors)
    assert from_start.labels_[0] == from_start.labels_[30]
