"""The clustering pipeline on well-separated groups on the sphere, with real words."""

import numpy as np
import pytest

from clustering.keywords import ctfidf_keywords, terms
from clustering.pipeline import ClusterPipeline
from clustering.stages import HdbscanClusterer, NoReduction

TOPICS = {
    0: "курьер опоздал доставка задержалась",
    1: "деньги списали дважды оплата картой",
    2: "промокод скидка не применилась",
}


def blobs(per_group=40, dim=32, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim))
    vectors, texts, truth = [], [], []
    for group, centre in enumerate(centres):
        points = centre + 0.15 * rng.normal(size=(per_group, dim))
        vectors.append(points)
        texts += [f"{TOPICS[group]} {i}" for i in range(per_group)]
        truth += [group] * per_group
    vectors = np.vstack(vectors).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), texts, np.asarray(truth)


def test_groups_are_recovered_with_keywords_names_and_representatives():
    vectors, texts, truth = blobs()
    result = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10)).fit(vectors, texts)
    assert result.centroids.shape[0] == 3 and result.noise_share == 0.0
    for cluster in range(3):
        members = truth[result.labels == cluster]
        assert len(set(members)) == 1  # pure
        group = members[0]
        assert set(result.keywords[cluster][:3]) <= set(terms(TOPICS[group]))
        assert all(truth[i] == group for i in result.representatives[cluster])
        assert result.names[cluster]


def test_far_outlier_stays_noise_and_near_one_joins():
    vectors, texts, truth = blobs()
    result = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10)).fit(vectors, texts)
    near = vectors[truth == 1][:1] + 0.01
    near /= np.linalg.norm(near)
    far = -result.centroids.mean(axis=0, keepdims=True)
    far /= np.linalg.norm(far)
    labels, _ = result.nearest(np.vstack([near, far]))
    assert labels[0] == result.labels[truth == 1][0] and labels[1] == -1


def test_sample_fit_assigns_the_rest_by_centroid():
    vectors, texts, truth = blobs(per_group=60)
    result = ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10), max_fit=90).fit(vectors, texts)
    assert (result.labels >= 0).mean() >= 0.9  # the few below the similarity threshold stay noise
    for group in range(3):
        assigned = result.labels[(truth == group) & (result.labels >= 0)]
        assert len(set(assigned)) == 1


def test_russian_lemmas_and_stop_words():
    words = terms("Курьеры опоздали, и заказы не пришли")
    assert words[:3] == ["курьер", "опоздать", "заказ"] and "и" not in words and "не" not in words


def test_ctfidf_prefers_distinctive_words():
    texts = ["заказ курьер опоздал", "заказ курьер опоздал", "заказ промокод скидка", "заказ промокод скидка"]
    keywords = ctfidf_keywords(texts, np.asarray([0, 0, 1, 1]), top=2)
    assert "заказ" not in keywords[0] and "заказ" not in keywords[1]


@pytest.mark.slow
def test_umap_pipeline_runs_end_to_end():
    vectors, texts, truth = blobs(per_group=50)
    result = ClusterPipeline(clusterer=HdbscanClusterer(min_cluster_size=15)).fit(vectors, texts)
    assert result.centroids.shape[0] == 3
