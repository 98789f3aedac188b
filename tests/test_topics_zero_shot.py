import pytest

from embeddings.loader import load_embedder
from topics.taxonomy import load_taxonomy
from topics.zero_shot import ZeroShotTopics

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def embedder(built_models_dir):
    return load_embedder("e5-small", built_models_dir)


@pytest.fixture(scope="module")
def zero_shot(embedder):
    return ZeroShotTopics(load_taxonomy(), embedder)


@pytest.mark.parametrize(
    ("text", "topic", "owner"),
    [
        ("Курьер опоздал на три часа, безобразие", "late_delivery", "delivery"),
        ("Списали деньги два раза за один заказ", "payment_problem", "finance"),
        ("В приложении заказ доставлен, но я ничего не получил", "delivered_not_received", "delivery"),
        ("My refund still hasn't arrived", "refund", "finance"),
    ],
)
def test_clear_messages_get_their_topic_and_owner(zero_shot, embedder, text, topic, owner):
    (answer,) = zero_shot.assign(embedder.embed([text]), [text])
    assert (answer.topic_id, answer.owner) == (topic, owner)
    assert answer.queue and answer.top[0].topic_id == topic and len(answer.top) == 3


def test_out_of_scope_message_is_unknown_not_forced(zero_shot, embedder):
    text = "Как поменять пароль от Wi-Fi в офисе?"
    (answer,) = zero_shot.assign(embedder.embed([text]), [text])
    assert answer.topic_id == "unknown" and answer.owner is None


def test_threshold_is_calibrated_per_model(zero_shot, built_models_dir):
    other = ZeroShotTopics(load_taxonomy(), load_embedder("use-multilingual", built_models_dir))
    assert abs(other.threshold - zero_shot.threshold) > 0.02


def test_topic_scores_are_each_topics_best_phrase_similarity(zero_shot, embedder):
    import numpy as np

    texts = ["Курьер опоздал на три часа", "Где мой возврат?", "Промокод не работает", "ок"]
    vectors = embedder.embed(texts)
    similarity = vectors @ zero_shot.phrase_vectors.T
    expected = np.array([[similarity[row, zero_shot.phrase_topic == topic].max()
                          for topic in range(len(zero_shot.taxonomy.topics))] for row in range(len(texts))])
    assert np.allclose(zero_shot.scores(vectors), expected, atol=1e-6)
    assert zero_shot.scores(vectors[:0]).shape == (0, len(zero_shot.taxonomy.topics))


def test_the_temperature_makes_each_example_likeliest_for_its_own_topic(zero_shot):
    """Leave-one-out over the taxonomy's phrases: the fitted temperature gives each phrase's own topic
    a higher likelihood than a sharper or a flatter softmax would."""
    import numpy as np

    similarity = zero_shot.phrase_vectors @ zero_shot.phrase_vectors.T
    np.fill_diagonal(similarity, -1.0)
    topics = len(zero_shot.taxonomy.topics)
    own_count = np.bincount(zero_shot.phrase_topic, minlength=topics)[zero_shot.phrase_topic]
    rows = np.flatnonzero(own_count > 1)
    scores = np.stack([similarity[rows][:, zero_shot.phrase_topic == topic].max(axis=1) for topic in range(topics)], 1)

    def likelihood(temperature):
        logits = (scores - scores.max(axis=1, keepdims=True)) / temperature
        probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        return np.log(probabilities[np.arange(len(rows)), zero_shot.phrase_topic[rows]]).mean()

    fitted = zero_shot.temperature
    assert likelihood(fitted) > likelihood(fitted * 0.7) and likelihood(fitted) > likelihood(fitted * 1.4)
