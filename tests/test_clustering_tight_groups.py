"""One tight group of near-identical messages among diffuse ones is one cluster; the diffuse
messages stay noise (HDBSCAN alone calls the whole window noise: the group is its root)."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from clustering import ClusterPipeline, HdbscanClusterer, NoReduction
from clustering.tight import tight_groups
from jobs import ReclusterSettings, run_recluster
from store import Message, open_store

DIM = 64
NOW = datetime(2024, 6, 1, tzinfo=UTC)
VARIANTS = ["приложение вылетает при оплате", "приложение вылетает при оплате картой",
            "при оплате вылетает приложение!!", "вылетает приложение при оплате",
            "опять вылетает приложение при оплате"]
LETTERS = list("абвгдежзиклмнопрстуфхцчшэюя")


def burst(seed, tight=40, diffuse=400, spread=0.05):
    """``tight`` small variations of one complaint (vectors within ``spread`` of one direction) first,
    then ``diffuse`` varied messages (directions drawn at random)."""
    rng = np.random.default_rng(seed)
    direction = rng.normal(size=DIM)
    direction /= np.linalg.norm(direction)
    vectors = np.vstack([direction + spread * rng.normal(size=(tight, DIM)), rng.normal(size=(diffuse, DIM))])
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    texts = [f"{VARIANTS[i % len(VARIANTS)]} {i}" for i in range(tight)]
    texts += [" ".join("".join(rng.choice(LETTERS, 7)) for _ in range(4)) for _ in range(diffuse)]
    return vectors.astype(np.float32), texts, tight


def flat():
    """HDBSCAN on the vectors themselves, so that the test controls the density HDBSCAN sees."""
    return ClusterPipeline(NoReduction(), HdbscanClusterer(min_cluster_size=10), spelling_weight=0)


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize(("tight", "diffuse"), [(30, 100), (60, 400)])
def test_a_tight_group_among_diffuse_messages_is_one_cluster_and_the_rest_stays_noise(seed, tight, diffuse):
    vectors, texts, size = burst(seed, tight=tight, diffuse=diffuse)
    assert not (HdbscanClusterer(min_cluster_size=10).fit(vectors).labels_ >= 0).any()  # the defect's shape
    pipeline = flat().fit(vectors, texts)
    assert pipeline.n_clusters_ == 1
    assert (pipeline.labels_[:size] == 0).all()
    assert (pipeline.labels_[size:] == -1).all()
    assert set(pipeline.keywords_[0][:3]) & {"приложение", "вылетать", "оплата"}


def test_diffuse_messages_alone_stay_noise():
    vectors, texts, size = burst(4, tight=0, diffuse=400)
    pipeline = flat().fit(vectors, texts)
    assert pipeline.n_clusters_ == 0 and (pipeline.labels_ == -1).all()


def test_a_group_smaller_than_the_minimum_cluster_size_stays_noise():
    vectors, _, size = burst(5, tight=8)
    assert (tight_groups(vectors, 10) == -1).all()


def test_loose_groups_are_not_tight_groups():
    """Groups that HDBSCAN does not find are not promoted unless they are much tighter than the window."""
    vectors, _, size = burst(6, tight=40, spread=0.2)
    assert (tight_groups(vectors, 10) == -1).all()


def test_two_tight_groups_and_copies_of_one_text_are_each_a_cluster():
    first, _, size = burst(7, tight=30, diffuse=200)
    second, _, _ = burst(8, tight=30, diffuse=0)
    copies = np.repeat(first[-1:], 12, axis=0)
    labels = tight_groups(np.vstack([first, second, copies]), 10)
    assert len(set(labels[:size])) == 1 and labels[0] >= 0
    assert len(set(labels[-42:-12])) == 1 and labels[-13] not in (-1, labels[0])
    assert len(set(labels[-12:])) == 1 and labels[-1] not in (-1, labels[0], labels[-13])
    assert (labels[size:-42][:-1] == -1).all()  # the diffuse rows (the last of them has 12 copies)


def test_the_nightly_job_reports_the_burst_as_one_new_cluster(tmp_path):
    vectors, texts, size = burst(9, tight=45, diffuse=300)
    assert not (HdbscanClusterer(min_cluster_size=10).fit(vectors).labels_ >= 0).any()
    batch = [Message(id=f"m-{i}", text=text, created_at=NOW - timedelta(days=1 + (i % 28), hours=i % 7))
             for i, text in enumerate(texts)]
    with open_store("server", url=":memory:", dimension=DIM) as store:
        store.messages.upsert(batch, vectors)
        report = run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW, pipeline=flat(),
                               settings=ReclusterSettings(min_cluster_size=10))
    assert report["clusters"] == 1
    assert report["noise_share"] == pytest.approx(300 / 345, abs=1e-3)
