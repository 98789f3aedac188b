"""A supervised topic head: calibrated stacking of three views of a message.

- a logistic regression on the message vectors,
- a logistic regression on word and character n-grams (both weigh classes by their
  inverse frequency, so rare topics count as much as common ones), and
- the votes of the nearest training messages (:mod:`topics.neighbours`).

Their class probabilities are averaged with weights chosen on held-out folds of the
training data (best macro-F1 over a grid on the simplex), then calibrated by one temperature
fitted on the same held-out answers (:mod:`topics.temperature`), so that a confidence of 0.8
is right about 80 % of the time. "Unknown" is answered by a
:class:`~topics.novelty.NoveltyRule` fitted on the same folds from known topics only: a
message the head is unsure about *and* unlike any training message is left for the nightly
clustering instead of being forced into a topic.

Training rows labelled :data:`UNKNOWN` are examples of messages outside the taxonomy: they
are learned as one more class (a background class), never answered as a topic, and kept
out of the novelty rule's reference. Saved as plain arrays + JSON, never pickles.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from topics.neighbours import neighbour_votes
from topics.novelty import NoveltyRule, nearest_similarity
from topics.temperature import fit_temperature, scaled
from topics.text_features import TextFeatures

UNKNOWN = "unknown"
VIEWS = ("vector", "text", "neighbour")
STEP = 0.1


def _linear(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


def weight_grid(step: float = STEP) -> list[tuple[float, ...]]:
    """Every weighting of the three views on a grid of ``step`` (weights sum to 1)."""
    units = int(round(1 / step))
    return [tuple(round(n * step, 6) for n in combo) for combo in itertools.product(range(units + 1), repeat=len(VIEWS))
            if sum(combo) == units]


def near_best(grid: list[tuple[float, ...]], scores: list[float], tolerance: float = 0.01) -> tuple[float, ...]:
    """The mean of the weightings scoring within ``tolerance`` of the best one: held-out folds of a small
    training set rank close weightings by chance, their mean is a steadier choice than the single best."""
    best = max(scores)
    chosen = np.asarray([weights for weights, score in zip(grid, scores) if score >= best - tolerance])
    mean = chosen.mean(axis=0)
    return tuple(float(v) for v in mean / mean.sum())


class SupervisedTopics:
    def __init__(self, *, vector_c: float = 100.0, text_c: float = 20.0, neighbours: int = 10,
                 neighbour_temperature: float = 0.02, folds: int = 3, unknown_quantile: float = 0.3,
                 max_accuracy_drop: float = 0.02, random_state: int = 0) -> None:
        self.vector_c = vector_c
        self.text_c = text_c
        self.neighbours = neighbours
        self.neighbour_temperature = neighbour_temperature
        self.folds = folds
        self.unknown_quantile = unknown_quantile
        self.max_accuracy_drop = max_accuracy_drop
        self.random_state = random_state
        self.temperature_ = 1.0  # fitted by ``fit``

    def fit(self, vectors: np.ndarray, texts: Sequence[str], labels: Sequence[str]) -> SupervisedTopics:
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold

        vectors = np.asarray(vectors, dtype=np.float32)
        texts = list(texts)
        labels = np.asarray(labels, dtype=object)
        self.classes_ = np.unique(labels)
        if len(self._known_columns()) < 2:
            raise ValueError("a topic head needs at least two topics")
        columns = np.searchsorted(self.classes_, labels)
        counts = np.bincount(columns)
        folds = max(2, min(self.folds, int(counts.min())))
        held_out = {view: np.zeros((len(labels), len(self.classes_))) for view in VIEWS}
        nearest = np.zeros(len(labels))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for train, held in splitter.split(vectors, labels):
            part = self._fit_views(vectors[train], [texts[i] for i in train], labels[train])
            for view, probabilities in part._view_probabilities(vectors[held], [texts[i] for i in held]).items():
                held_out[view][held] = probabilities
            nearest[held] = nearest_similarity(vectors[held], vectors[train][labels[train] != UNKNOWN])

        def quality(weights: tuple[float, ...]) -> float:
            guess = _mix(held_out, weights).argmax(axis=1)
            return float(f1_score(columns, guess, average="macro"))

        self.weights_ = dict(zip(VIEWS, near_best(weight_grid(), [quality(w) for w in weight_grid()])))
        mixed = _mix(held_out, tuple(self.weights_.values()))
        self.temperature_ = fit_temperature(mixed, columns)
        mixed = scaled(mixed, self.temperature_)
        self.novelty_ = self._calibrate_novelty(mixed, nearest, columns)
        fitted = self._fit_views(vectors, texts, labels)
        self.vector_model_, self.text_model_ = fitted.vector_model_, fitted.text_model_
        self.features_ = fitted.features_
        self.train_vectors_, self.train_columns_ = vectors, columns
        return self

    def _calibrate_novelty(self, mixed: np.ndarray, nearest: np.ndarray, columns: np.ndarray) -> NoveltyRule:
        """The rule on held-out rows of known topics; accuracy the background class already costs there is
        taken from the budget."""
        known = columns != self._unknown_column()
        right = self._known_argmax(mixed) == columns
        by_class = mixed.argmax(axis=1) == self._unknown_column()
        rows = known & ~by_class
        budget = self.max_accuracy_drop
        if budget is not None and not rows.all():
            spent = float((right & known & by_class).sum()) / max(int(known.sum()), 1)
            budget = max(0.0, budget - spent) * known.sum() / max(int(rows.sum()), 1)
        if not rows.any():
            rows = known
        return NoveltyRule(self.unknown_quantile, budget).fit(mixed[rows][:, self._known_columns()].max(axis=1),
                                                              nearest[rows], right[rows])

    def _unknown_column(self) -> int:
        """The column of the background class, -1 when the head has none."""
        where = np.flatnonzero(self.classes_ == UNKNOWN)
        return int(where[0]) if len(where) else -1

    def _known_columns(self) -> np.ndarray:
        return np.flatnonzero(self.classes_ != UNKNOWN)

    def _known_argmax(self, probabilities: np.ndarray) -> np.ndarray:
        known = self._known_columns()
        return known[probabilities[:, known].argmax(axis=1)]

    @property
    def vector_weight_(self) -> float:
        return self.weights_["vector"]

    def _fit_views(self, vectors: np.ndarray, texts: list[str], labels: np.ndarray) -> SupervisedTopics:
        part = SupervisedTopics(neighbours=self.neighbours, neighbour_temperature=self.neighbour_temperature)
        part.classes_ = self.classes_
        part.features_ = TextFeatures().fit(texts)
        part.vector_model_ = _linear(self.vector_c).fit(vectors, labels)
        part.text_model_ = _linear(self.text_c).fit(part.features_.transform(texts), labels)
        part.train_vectors_, part.train_columns_ = vectors, np.searchsorted(self.classes_, labels)
        return part

    def _view_probabilities(self, vectors: np.ndarray, texts: Sequence[str]) -> dict[str, np.ndarray]:
        result = {}
        for view, model, inputs in (("vector", self.vector_model_, vectors),
                                    ("text", self.text_model_, self.features_.transform(list(texts)))):
            probabilities = np.zeros((len(vectors), len(self.classes_)))
            probabilities[:, np.searchsorted(self.classes_, model.classes_)] = model.predict_proba(inputs)
            result[view] = probabilities
        result["neighbour"] = neighbour_votes(vectors, self.train_vectors_, self.train_columns_, len(self.classes_),
                                              k=self.neighbours, temperature=self.neighbour_temperature)
        return result

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        views = self._view_probabilities(vectors, texts)
        return scaled(_mix(views, tuple(self.weights_[view] for view in VIEWS)), self.temperature_)

    def unknown_mask(self, vectors: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """True where the message should be answered "unknown": the background class wins, or the message
        is novel (unsure among the known topics and unlike their training messages)."""
        reference = self.train_vectors_[self.train_columns_ != self._unknown_column()]
        novel = self.novelty_.is_unknown(probabilities[:, self._known_columns()].max(axis=1),
                                         nearest_similarity(vectors, reference))
        return novel | (probabilities.argmax(axis=1) == self._unknown_column())

    def best_known(self, probabilities: np.ndarray) -> np.ndarray:
        """The column of the most likely known topic in each row."""
        return self._known_argmax(probabilities)

    def predict(self, vectors: np.ndarray, texts: Sequence[str], *, allow_unknown: bool = True) -> list[str]:
        probabilities = self.predict_proba(vectors, texts)
        labels = self.classes_[self._known_argmax(probabilities)].astype(object)
        if allow_unknown:
            labels[self.unknown_mask(vectors, probabilities)] = UNKNOWN
        return list(labels)

    def save(self, folder: Path, manifest: dict) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(
            folder / "heads.npz",
            vector_coef=self.vector_model_.coef_, vector_intercept=self.vector_model_.intercept_,
            vector_classes=self.vector_model_.classes_.astype(str),
            text_coef=self.text_model_.coef_, text_intercept=self.text_model_.intercept_,
            text_classes=self.text_model_.classes_.astype(str),
            train_vectors=self.train_vectors_.astype(np.float16), train_columns=self.train_columns_.astype(np.int32))
        self.features_.save(folder)
        (folder / "manifest.json").write_text(json.dumps({
            **manifest, "classes": [str(c) for c in self.classes_], "weights": self.weights_,
            "temperature": self.temperature_,
            "parameters": {"vector_c": self.vector_c, "text_c": self.text_c, "neighbours": self.neighbours,
                           "neighbour_temperature": self.neighbour_temperature, "folds": self.folds,
                           "unknown_quantile": self.unknown_quantile, "max_accuracy_drop": self.max_accuracy_drop,
                           "class_weight": "balanced"},
            "novelty": self.novelty_.to_json(),
        }, indent=2, ensure_ascii=False), encoding="utf-8")
        return folder


def _mix(views: dict[str, np.ndarray], weights: tuple[float, ...]) -> np.ndarray:
    return sum(weight * views[view] for view, weight in zip(VIEWS, weights) if weight)


def load_supervised(folder: Path) -> SupervisedTopics:
    """Rebuild a saved head (arrays + vocabularies) for prediction.

    Heads saved before the neighbour view existed (a single ``vector_weight``) load with a
    neighbour weight of 0, and heads saved before calibration with a temperature of 1, so they
    answer as they did.
    """
    from sklearn.linear_model import LogisticRegression

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    head = SupervisedTopics(**{k: v for k, v in manifest.get("parameters", {}).items() if k != "class_weight"})
    head.classes_ = np.asarray(manifest["classes"], dtype=object)
    if "weights" in manifest:
        head.weights_ = {view: float(manifest["weights"].get(view, 0.0)) for view in VIEWS}
    else:
        head.weights_ = {"vector": manifest["vector_weight"], "text": 1 - manifest["vector_weight"], "neighbour": 0.0}
    head.temperature_ = float(manifest.get("temperature", 1.0))
    head.novelty_ = NoveltyRule.from_json(manifest["novelty"])
    with np.load(folder / "heads.npz", allow_pickle=False) as arrays:
        for prefix in ("vector", "text"):
            model = LogisticRegression()
            model.coef_ = arrays[f"{prefix}_coef"]
            model.intercept_ = arrays[f"{prefix}_intercept"]
            model.classes_ = arrays[f"{prefix}_classes"].astype(object)
            setattr(head, f"{prefix}_model_", model)
        head.train_vectors_ = arrays["train_vectors"].astype(np.float32)
        head.train_columns_ = (arrays["train_columns"].astype(np.int64) if "train_columns" in arrays.files
                               else np.zeros(len(head.train_vectors_), dtype=np.int64))
    head.features_ = TextFeatures.load(folder)
    head.manifest_ = manifest
    return head
