"""A linear sentiment head (negative / neutral / positive) stored as plain arrays.

A head folder holds ``weights.npz``, ``manifest.json`` (classes, the embedding model it
was trained on, data, metrics) and a model card. Heads are tied to one embedding model:
loading refuses another.

Two formats:

- version 1 (no ``format_version`` in the manifest): a logistic regression on the
  message vectors; ``weights.npz`` holds ``coef`` [classes, dim] and ``intercept``.
- version 2: one logistic regression on the message vectors *and* hashed word and
  character n-grams of the text (:mod:`sentiment.text_features`). ``weights.npz`` adds
  ``ngram_coef`` [classes, kept n-gram columns] and the kept columns with their IDF;
  the manifest's ``ngrams`` entry holds the feature settings. Scoring needs the texts.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.errors import ModelError

LABELS = ("negative", "neutral", "positive")
HEADS_DIR = Path(__file__).with_name("heads")
FORMAT_VERSION = 2


class SentimentHead:
    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str], model: str,
                 manifest: dict | None = None, *, ngrams=None, ngram_coef: np.ndarray | None = None) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes = list(classes)
        self.model = model
        self.manifest = manifest or {}
        self.ngrams = ngrams
        if (ngrams is None) != (ngram_coef is None):
            raise ValueError("n-gram features and their coefficients come together")
        classes_count = len(self.classes)
        if self.coef.ndim != 2 or self.coef.shape[0] != classes_count or self.intercept.shape != (classes_count,):
            raise ValueError(f"coefficients {self.coef.shape} and intercept {self.intercept.shape} "
                             f"do not match {len(self.classes)} classes")
        self._ngram_weights = None
        if ngrams is not None:
            ngram_coef = np.asarray(ngram_coef, dtype=np.float32)
            if ngram_coef.shape != (len(self.classes), ngrams.kept_count):
                raise ValueError(f"n-gram coefficients {ngram_coef.shape} do not match "
                                 f"{len(self.classes)} classes x {ngrams.kept_count} kept columns")
            self.ngram_coef = ngram_coef
            self._ngram_weights = np.ascontiguousarray(ngram_coef.T)  # [kept columns, classes]

    @property
    def uses_text(self) -> bool:
        return self.ngrams is not None

    def probabilities(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.coef.shape[1]:
            raise ValueError(f"expected vectors of dimension {self.coef.shape[1]}, got shape {vectors.shape}")
        logits = vectors @ self.coef.T + self.intercept
        if self.ngrams is not None:
            if texts is None or len(texts) != len(vectors):
                raise ValueError("this sentiment head reads the texts too: give one text per vector")
            logits = logits + self.ngrams.project(list(texts), self._ngram_weights)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def predict(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> list[str]:
        return [self.classes[i] for i in self.probabilities(vectors, texts).argmax(axis=1)]

    def save(self, folder: Path, manifest: dict) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        data = {**manifest, "classes": self.classes, "model": self.model, "dimension": int(self.coef.shape[1])}
        if self.ngrams is None:
            np.savez(folder / "weights.npz", coef=self.coef, intercept=self.intercept)
        else:
            np.savez_compressed(folder / "weights.npz", coef=self.coef, intercept=self.intercept,
                                ngram_coef=self.ngram_coef.astype(np.float16), **self.ngrams.arrays())
            data = {"format_version": FORMAT_VERSION, **data, "ngrams": self.ngrams.to_json()}
        (folder / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: Path, expected_model: str | None = None) -> SentimentHead:
        from sentiment.text_features import HashedNgrams

        folder = Path(folder)
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            version = int(manifest.get("format_version", 1))
            if version not in (1, FORMAT_VERSION):
                raise ValueError(f"format version {version} is not one this release reads (1 or {FORMAT_VERSION})")
            with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
                coef, intercept = arrays["coef"], arrays["intercept"]
                ngrams = ngram_coef = None
                if version == FORMAT_VERSION:
                    ngrams = HashedNgrams.from_saved(manifest["ngrams"], arrays)
                    ngram_coef = arrays["ngram_coef"]
            classes, model = manifest["classes"], manifest["model"]
        except (OSError, KeyError, ValueError, TypeError) as error:
            raise ModelError(f"{folder} is not a sentiment head: {error}") from error
        if expected_model and model != expected_model:
            raise ModelError(
                f"sentiment head {folder} was trained on {model!r} vectors, "
                f"not {expected_model!r}; train one with 'voc train sentiment'"
            )
        try:
            return cls(coef, intercept, classes, model, manifest, ngrams=ngrams, ngram_coef=ngram_coef)
        except ValueError as error:
            raise ModelError(f"{folder} is not a sentiment head: {error}") from error


def shipped_head(model: str) -> SentimentHead:
    """The head shipped for a built-in model."""
    folder = HEADS_DIR / model
    if not folder.is_dir():
        raise ModelError(f"no shipped sentiment head for model {model!r}; train one with 'voc train sentiment'")
    return SentimentHead.load(folder, expected_model=model)
