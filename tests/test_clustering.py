"""The clustering pipeline on well-separated groups on the sphere, with real words."""

import numpy as np
import pytest

from clustering import CentroidModel, ClassKeywords, ClusterPipeline, GivenLabels, HdbscanClusterer, NoReduction
from clustering.keywords import short_name, terms

TOPICS = {
    0: "курьер опоздал доставка задержалась",
    1: "деньги списали дважды оплата картой",
    2: "my card payment was declined at the shop",
}


def blobs(per_group=40, dim=32, seed=0, spread=0.15):
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(3, dim))
    vectors, texts, truth = [], [], []
    for group, centre in enumerate(centres):
        vectors.append(centre + spread * rng.normal(size=(per_group, dim)))
        texts += [f"{TOPICS[group]} {i}" for i in range(per_group)]
        truth += [group] * per_group
    vectors = np.vstack(vectors).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), texts, np.asarray(truth)


def flat(**kwargs):
    return ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10), **kwargs)


def test_groups_are_recovered_with_keywords_names_and_representatives():
    vectors, texts, truth = blobs()
    pipeline = flat().fit(vectors, texts)
    assert pipeline.n_clusters_ == 3 and pipeline.noise_share_ == 0.0
    assert pipeline.centroids_.shape == (3, 32)
    for cluster in range(3):
        members = truth[pipeline.labels_ == cluster]
        assert len(set(members)) == 1  # pure
        group = members[0]
        assert set(terms(" ".join(pipeline.keywords_[cluster][:3]))) <= set(terms(TOPICS[group]))
        assert all(truth[i] == group for i in pipeline.representatives_[cluster])
        assert pipeline.names_[cluster] and pipeline.names_[cluster] != f"cluster {cluster}"


def test_noise_joins_the_nearest_centroid_only_above_the_calibrated_threshold():
    vectors, texts, truth = blobs()
    pipeline = flat().fit(vectors, texts)
    near = vectors[truth == 1][:1] + 0.01
    near /= np.linalg.norm(near)
    far = -pipeline.centroids_.mean(axis=0, keepdims=True)
    far /= np.linalg.norm(far)
    labels = pipeline.predict(np.vstack([near, far]))
    assert labels[0] == pipeline.labels_[truth == 1][0] and labels[1] == -1
    assert 0.5 < pipeline.threshold_ < 1.0  # from the data, not a constant


def test_threshold_follows_the_spread_of_the_data():
    tight = flat().fit(*blobs(spread=0.05)[:2]).threshold_
    loose = flat().fit(*blobs(spread=0.3)[:2]).threshold_
    assert tight > loose + 0.05


def test_sample_fit_assigns_the_rest_by_centroid_like_predict():
    vectors, texts, truth = blobs(per_group=60)
    pipeline = flat(max_fit=90).fit(vectors, texts)
    assert len(pipeline.fit_rows_) == 90
    assert (pipeline.labels_ >= 0).mean() >= 0.9
    for group in range(3):
        assigned = pipeline.labels_[(truth == group) & (pipeline.labels_ >= 0)]
        assert len(set(assigned)) == 1
    rest = np.setdiff1d(np.arange(len(vectors)), pipeline.fit_rows_)
    # the centroids moved a little after assignment; the rule still agrees almost everywhere
    assert (pipeline.predict(vectors[rest]) == pipeline.labels_[rest]).mean() >= 0.95


def test_same_random_state_same_result():
    vectors, texts, _ = blobs(per_group=60)
    first = flat(max_fit=100, random_state=3).fit(vectors, texts)
    second = flat(max_fit=100, random_state=3).fit(vectors, texts)
    assert np.array_equal(first.labels_, second.labels_) and first.names_ == second.names_


def test_given_labels_skip_the_clusterer_and_too_few_points_give_no_clusters():
    vectors, texts, truth = blobs()
    pipeline = ClusterPipeline(NoReduction(), GivenLabels(truth)).fit(vectors, texts)
    assert pipeline.n_clusters_ == 3 and set(pipeline.labels_) == {0, 1, 2}
    tiny = flat().fit(vectors[:5], texts[:5])
    assert tiny.n_clusters_ == 0 and (tiny.labels_ == -1).all() and (tiny.predict(vectors) == -1).all()


def test_centroid_model_round_trips_as_plain_files(tmp_path):
    vectors, texts, _ = blobs()
    model = flat().fit(vectors, texts).centroid_model_
    model.save(tmp_path / "m", {"model": "test"})
    assert {p.name for p in (tmp_path / "m").iterdir()} == {"centroids.npy", "manifest.json"}
    loaded = CentroidModel.load(tmp_path / "m")
    assert loaded.threshold == model.threshold
    assert np.array_equal(loaded.nearest(vectors)[0], model.nearest(vectors)[0])


def test_russian_lemmas_english_stems_and_stop_words():
    words = terms("Курьеры опоздали, и заказы не пришли")
    assert words[:3] == ["курьер", "опоздать", "заказ"] and "и" not in words and "не" not in words
    assert terms("The cards were declined") == terms("card declined")


def test_ctfidf_prefers_distinctive_words_and_shows_word_forms():
    texts = ["заказ курьер опоздал", "заказ курьер опоздал", "заказ промокод скидка", "заказ промокод скидка",
             "payments declined", "payment declined"]
    keywords = ClassKeywords(top=2, bigrams=False).fit(texts, np.asarray([0, 0, 1, 1, 2, 2])).keywords_
    assert "заказ" not in keywords[0] and "заказ" not in keywords[1]
    assert set(keywords[2]) <= {"payments", "payment", "declined"}


def test_a_pair_of_words_in_both_orders_is_one_keyword():
    texts = ["exchange currencies today", "currencies exchange please", "exchange currencies now",
             "currencies exchange rate", "exchange currencies fee", "currencies exchange again",
             "card arrived late", "card arrived broken"]
    keywords = ClassKeywords(top=6).fit(texts, np.asarray([0] * 6 + [1] * 2)).keywords_[0]
    pairs = [frozenset(k.split(" ")) for k in keywords if " " in k]
    assert pairs and len(pairs) == len(set(pairs)), keywords
    assert len(keywords) == 6  # the place of the dropped order goes to the next keyword


def test_short_name_skips_words_already_named():
    assert short_name(["card arrival", "card", "arrival", "delivery", "late"]) == "card arrival / delivery"
    assert short_name(["long", "long take", "long transfer"]) == "long take / transfer"
    assert short_name(["курьер", "опоздать", "доставка", "заказ"]) == "курьер / опоздать / доставка"


@pytest.mark.slow
def test_umap_pipeline_runs_end_to_end():
    vectors, texts, truth = blobs(per_group=50)
    pipeline = ClusterPipeline(min_cluster_size=15).fit(vectors, texts)
    assert pipeline.n_clusters_ == 3


def test_plural_only_words_keep_the_lemma_customers_write():
    assert terms("Верните деньги, денег нет") == ["вернуть", "деньги", "деньги"]
    assert terms("утекли мои данные, данных много") == ["утечь", "данные", "данные"]
    assert terms("ждал три часа, пять часов") == ["ждать", "час", "пять", "час"]
