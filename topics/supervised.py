"""A supervised topic head: calibrated stacking of two linear models.

One logistic regression reads the message vectors, another reads word and character
n-grams; both weigh classes by their inverse frequency, so rare topics count as much as
common ones. Their class probabilities are averaged with a weight chosen on held-out
folds of the training data (best macro-F1). "Unknown" is answered by a
:class:`~topics.novelty.NoveltyRule` fitted on the same folds: a message the head is
unsure about *and* unlike any training message is left for the nightly clustering
instead of being forced into a topic. Saved as plain arrays + JSON, never pickles.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from topics.novelty import NoveltyRule, nearest_similarity
from topics.text_features import TextFeatures

UNKNOWN = "unknown"
WEIGHTS = np.linspace(0.0, 1.0, 11)


def _linear(c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=3000, class_weight="balanced")


class SupervisedTopics:
    def __init__(self, *, vector_c: float = 100.0, text_c: float = 20.0, folds: int = 3,
                 unknown_quantile: float = 0.05, random_state: int = 0) -> None:
        self.vector_c = vector_c
        self.text_c = text_c
        self.folds = folds
        self.unknown_quantile = unknown_quantile
        self.random_state = random_state

    def fit(self, vectors: np.ndarray, texts: Sequence[str], labels: Sequence[str]) -> SupervisedTopics:
        from sklearn.metrics import f1_score
        from sklearn.model_selection import StratifiedKFold

        labels = np.asarray(labels, dtype=object)
        self.classes_ = np.unique(labels)
        if len(self.classes_) < 2:
            raise ValueError("a topic head needs at least two topics")
        counts = {label: int((labels == label).sum()) for label in self.classes_}
        folds = max(2, min(self.folds, min(counts.values())))
        out_vec = np.zeros((len(labels), len(self.classes_)))
        out_txt = np.zeros_like(out_vec)
        nearest = np.zeros(len(labels))
        splitter = StratifiedKFold(folds, shuffle=True, random_state=self.random_state)
        for train, held in splitter.split(vectors, labels):
            vector_model, text_model, features = self._fit_pair(vectors[train], [texts[i] for i in train], labels[train])
            out_vec[np.ix_(held, self._columns(vector_model))] = vector_model.predict_proba(vectors[held])
            out_txt[np.ix_(held, self._columns(text_model))] = text_model.predict_proba(
                features.transform([texts[i] for i in held]))
            nearest[held] = nearest_similarity(vectors[held], vectors[train])
        truth = self.classes_[np.searchsorted(self.classes_, labels)]

        def quality(weight: float) -> float:
            guess = self.classes_[(weight * out_vec + (1 - weight) * out_txt).argmax(1)]
            return float(f1_score(truth, guess, average="macro"))

        self.vector_weight_ = float(max(WEIGHTS, key=quality))
        mixed = self.vector_weight_ * out_vec + (1 - self.vector_weight_) * out_txt
        self.novelty_ = NoveltyRule(self.unknown_quantile).fit(mixed.max(axis=1), nearest)
        self.vector_model_, self.text_model_, self.features_ = self._fit_pair(vectors, list(texts), labels)
        self.train_vectors_ = np.asarray(vectors, dtype=np.float32)
        return self

    def _fit_pair(self, vectors: np.ndarray, texts: list[str], labels: np.ndarray):
        features = TextFeatures().fit(texts)
        vector_model = _linear(self.vector_c).fit(vectors, labels)
        text_model = _linear(self.text_c).fit(features.transform(texts), labels)
        return vector_model, text_model, features

    def _columns(self, model) -> np.ndarray:
        return np.searchsorted(self.classes_, model.classes_)

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str]) -> np.ndarray:
        result = np.zeros((len(vectors), len(self.classes_)))
        result[:, self._columns(self.vector_model_)] += self.vector_weight_ * self.vector_model_.predict_proba(vectors)
        result[:, self._columns(self.text_model_)] += (1 - self.vector_weight_) * self.text_model_.predict_proba(
            self.features_.transform(list(texts)))
        return result

    def unknown_mask(self, vectors: np.ndarray, probabilities: np.ndarray) -> np.ndarray:
        """True where the message should be answered "unknown"."""
        return self.novelty_.is_unknown(probabilities.max(axis=1), nearest_similarity(vectors, self.train_vectors_))

    def predict(self, vectors: np.ndarray, texts: Sequence[str], *, allow_unknown: bool = True) -> list[str]:
        probabilities = self.predict_proba(vectors, texts)
        labels = self.classes_[probabilities.argmax(axis=1)].astype(object)
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
            train_vectors=self.train_vectors_.astype(np.float16))
        self.features_.save(folder)
        (folder / "manifest.json").write_text(json.dumps({
            **manifest, "classes": [str(c) for c in self.classes_], "vector_weight": self.vector_weight_,
            "parameters": {"vector_c": self.vector_c, "text_c": self.text_c, "folds": self.folds,
                           "unknown_quantile": self.unknown_quantile, "class_weight": "balanced"},
            "novelty": self.novelty_.to_json(),
        }, indent=2, ensure_ascii=False))
        return folder


def load_supervised(folder: Path) -> SupervisedTopics:
    """Rebuild a saved head (arrays + vocabularies) for prediction."""
    from sklearn.linear_model import LogisticRegression

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    head = SupervisedTopics(**{k: v for k, v in manifest.get("parameters", {}).items() if k != "class_weight"})
    head.classes_ = np.asarray(manifest["classes"], dtype=object)
    head.vector_weight_ = manifest["vector_weight"]
    head.novelty_ = NoveltyRule.from_json(manifest["novelty"])
    with np.load(folder / "heads.npz", allow_pickle=False) as arrays:
        for prefix in ("vector", "text"):
            model = LogisticRegression()
            model.coef_ = arrays[f"{prefix}_coef"]
            model.intercept_ = arrays[f"{prefix}_intercept"]
            model.classes_ = arrays[f"{prefix}_classes"].astype(object)
            setattr(head, f"{prefix}_model_", model)
        head.train_vectors_ = arrays["train_vectors"].astype(np.float32)
    head.features_ = TextFeatures.load(folder)
    head.manifest_ = manifest
    return head
