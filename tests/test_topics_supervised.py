"""The stacked supervised topic head on synthetic vectors and texts (no model needed)."""

import json

import numpy as np
import pytest

from topics.supervised import UNKNOWN, SupervisedTopics, load_supervised, weight_grid

WORDS = {"delivery": ["курьер", "опоздал", "доставка"], "refund": ["refund", "money", "back"],
         "login": ["password", "login", "account"]}


def make_rows(per_class=12, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.eye(8)[:3]
    vectors, texts, labels = [], [], []
    for index, (label, words) in enumerate(WORDS.items()):
        for i in range(per_class):
            vector = centres[index] + 0.25 * rng.normal(size=8)
            vectors.append(vector / np.linalg.norm(vector))
            texts.append(f"{words[i % 3]} {words[(i + 1) % 3]} w{i}")
            labels.append(label)
    return np.asarray(vectors, dtype=np.float32), texts, labels


@pytest.fixture(scope="module")
def head():
    vectors, texts, labels = make_rows()
    return SupervisedTopics(folds=3).fit(vectors, texts, labels)


def test_weight_grid_covers_the_simplex():
    grid = weight_grid(0.5)
    assert sorted(grid) == sorted([(0, 0, 1), (0, 1, 0), (1, 0, 0), (0.5, 0.5, 0), (0.5, 0, 0.5), (0, 0.5, 0.5)])
    assert len(weight_grid()) == 66


def test_the_head_learns_separable_topics(head):
    vectors, texts, labels = make_rows(per_class=5, seed=1)
    assert head.predict(vectors, texts, allow_unknown=False) == labels
    assert abs(sum(head.weights_.values()) - 1) < 1e-9
    assert np.allclose(head.predict_proba(vectors, texts).sum(axis=1), 1.0)


def test_a_message_unlike_any_topic_is_unknown(head):
    outside = np.zeros((1, 8), dtype=np.float32)
    outside[0, 7] = 1.0
    assert head.predict(outside, ["совсем другое"]) == [UNKNOWN]
    assert head.predict(outside, ["совсем другое"], allow_unknown=False)[0] in WORDS


def test_unknown_can_be_turned_off():
    vectors, texts, labels = make_rows()
    closed = SupervisedTopics(unknown_quantile=0.0).fit(vectors, texts, labels)
    outside = np.zeros((1, 8), dtype=np.float32)
    outside[0, 7] = 1.0
    assert closed.predict(outside, ["совсем другое"]) != [UNKNOWN]


def test_saved_head_answers_the_same(head, tmp_path):
    vectors, texts, _ = make_rows(per_class=4, seed=2)
    head.save(tmp_path / "h", {"model": "synthetic"})
    loaded = load_supervised(tmp_path / "h")
    assert np.allclose(loaded.predict_proba(vectors, texts), head.predict_proba(vectors, texts), atol=1e-3)
    assert loaded.predict(vectors, texts) == head.predict(vectors, texts)
    assert loaded.weights_ == head.weights_
    assert loaded.temperature_ == head.temperature_ != 1.0


def test_confidence_is_calibrated_on_held_out_answers():
    """Topics the head gets right about 19 times in 20: averaging three views leaves the raw
    confidence far below that; the fitted temperature brings it to the accuracy on new messages."""
    from evaluation.calibration import calibration_metrics

    def noisy(count, seed):
        rng = np.random.default_rng(seed)
        labels = rng.integers(0, 3, count)
        vectors = np.eye(8)[labels] + 0.3 * rng.normal(size=(count, 8))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        texts = [f"w{rng.integers(0, 50)} w{rng.integers(0, 50)}" for _ in labels]
        return vectors.astype(np.float32), texts, [list(WORDS)[i] for i in labels]

    vectors, texts, labels = noisy(600, 4)
    fitted = SupervisedTopics().fit(vectors, texts, labels)
    new_vectors, new_texts, new_labels = noisy(1500, 5)
    calibrated = fitted.predict_proba(new_vectors, new_texts)
    fitted.temperature_ = 1.0
    raw = fitted.predict_proba(new_vectors, new_texts)
    assert (calibrated.argmax(axis=1) == raw.argmax(axis=1)).all()  # the answers stay as they were
    correct = fitted.classes_[raw.argmax(axis=1)] == np.asarray(new_labels)
    before = calibration_metrics(raw.max(axis=1), correct)["ece"]
    after = calibration_metrics(calibrated.max(axis=1), correct)["ece"]
    assert after < 0.03 and before > 0.1


def test_a_head_saved_without_the_neighbour_view_loads_as_before(head, tmp_path):
    folder = head.save(tmp_path / "old", {"model": "synthetic"})
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["vector_weight"] = 0.4
    del manifest["weights"], manifest["temperature"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    loaded = load_supervised(folder)
    assert loaded.weights_ == {"vector": 0.4, "text": 0.6, "neighbour": 0.0}
    assert loaded.temperature_ == 1.0
    vectors, texts, _ = make_rows(per_class=3, seed=3)
    expected = 0.4 * loaded._view_probabilities(vectors, texts)["vector"] + 0.6 * loaded._view_probabilities(
        vectors, texts)["text"]
    assert np.allclose(loaded.predict_proba(vectors, texts), expected)


def test_a_single_topic_is_refused():
    vectors, texts, _ = make_rows(per_class=3)
    with pytest.raises(ValueError, match="two topics"):
        SupervisedTopics().fit(vectors, texts, ["a"] * len(texts))


def rows_with_background(seed=0):
    vectors, texts, labels = make_rows(seed=seed)
    rng = np.random.default_rng(seed + 10)
    outside = []
    for _ in range(12):
        vector = np.eye(8)[6] + 0.25 * rng.normal(size=8)
        outside.append(vector / np.linalg.norm(vector))
    return (np.vstack([vectors, np.asarray(outside, dtype=np.float32)]),
            texts + [f"версия приложения студии v{i}" for i in range(12)], labels + [UNKNOWN] * 12)


def test_examples_outside_the_taxonomy_are_learned_as_a_background_class():
    vectors, texts, labels = rows_with_background()
    head = SupervisedTopics().fit(vectors, texts, labels)
    test_vectors, test_texts, test_labels = rows_with_background(seed=5)
    answers = np.asarray(head.predict(test_vectors, test_texts), dtype=object)
    truth = np.asarray(test_labels, dtype=object)
    outside = truth == UNKNOWN
    assert (answers[outside] == UNKNOWN).all() and (answers[~outside] == truth[~outside]).mean() >= 0.9
    closed = head.predict(test_vectors, test_texts, allow_unknown=False)
    assert UNKNOWN not in closed


def test_the_assigner_never_offers_the_background_class_as_a_topic():
    from topics.taxonomy import parse_taxonomy
    from topics.trained_assigner import TrainedTopics

    taxonomy = parse_taxonomy("""
owners: [{id: ops, name: Ops, queue: ops-q}]
topics:
  - {id: delivery, names: {ru: Доставка}, owner: ops, severity: 3}
  - {id: refund, names: {ru: Возврат}, owner: ops, severity: 2}
  - {id: login, names: {ru: Вход}, owner: ops, severity: 1}
""", "t.yaml")
    vectors, texts, labels = rows_with_background()
    answers = TrainedTopics(SupervisedTopics().fit(vectors, texts, labels), taxonomy).assign(
        vectors[[0, -1]], [texts[0], texts[-1]])
    assert [a.topic_id for a in answers] == ["delivery", UNKNOWN]
    assert all(UNKNOWN not in [c.topic_id for c in a.top] for a in answers)
    assert answers[0].queue == "ops-q" and answers[1].queue is None


def test_near_best_averages_the_weightings_close_to_the_best():
    from topics.supervised import near_best

    grid = [(1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0)]
    assert near_best(grid, [0.80, 0.795, 0.5], tolerance=0.01) == (0.5, 0.5, 0.0)
    assert near_best(grid, [0.80, 0.70, 0.5], tolerance=0.01) == (1.0, 0.0, 0.0)


def test_a_head_with_topics_the_taxonomy_lacks_is_a_clear_product_error():
    """Served with a taxonomy that lacks some of its labels, a head is refused naming them (one line at
    start-up, not a traceback)."""
    from core.errors import VocError
    from topics.taxonomy import parse_taxonomy
    from topics.trained_assigner import TrainedTopics

    taxonomy = parse_taxonomy("""
owners: [{id: ops, name: Ops, queue: ops-q}]
topics:
  - {id: delivery, names: {ru: Доставка}, owner: ops, severity: 3}
""", "t.yaml")
    vectors, texts, labels = rows_with_background()
    with pytest.raises(VocError, match=r"2 topics that the taxonomy taxonomy@1\+\w+ lacks: \['login', 'refund'\]"):
        TrainedTopics(SupervisedTopics().fit(vectors, texts, labels), taxonomy)
