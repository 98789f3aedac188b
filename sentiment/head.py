"""A linear sentiment head (negative / neutral / positive) stored as plain arrays.

A head folder holds ``weights.npz`` (``coef`` [classes, dim], ``intercept`` [classes]),
``manifest.json`` (classes, the embedding model it was trained on, data, metrics) and a
model card. Heads are tied to one embedding model: loading refuses another.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from core.errors import ModelError

LABELS = ("negative", "neutral", "positive")
HEADS_DIR = Path(__file__).with_name("heads")


class SentimentHead:
    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Sequence[str], model: str,
                 manifest: dict | None = None) -> None:
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes = list(classes)
        self.model = model
        self.manifest = manifest or {}

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        logits = vectors @ self.coef.T + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return exp / exp.sum(axis=1, keepdims=True)

    def save(self, folder: Path, manifest: dict) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "weights.npz", coef=self.coef, intercept=self.intercept)
        data = {**manifest, "classes": self.classes, "model": self.model, "dimension": int(self.coef.shape[1])}
        (folder / "manifest.json").write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
        return folder

    @classmethod
    def load(cls, folder: Path, expected_model: str | None = None) -> SentimentHead:
        try:
            manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
            with np.load(folder / "weights.npz", allow_pickle=False) as arrays:
                coef, intercept = arrays["coef"], arrays["intercept"]
        except (OSError, KeyError, ValueError) as error:
            raise ModelError(f"{folder} is not a sentiment head: {error}") from error
        if expected_model and manifest.get("model") != expected_model:
            raise ModelError(
                f"sentiment head {folder} was trained on {manifest.get('model')!r} vectors, "
                f"not {expected_model!r}; train one with 'voc train sentiment'"
            )
        return cls(coef, intercept, manifest["classes"], manifest["model"], manifest)


def shipped_head(model: str) -> SentimentHead:
    """The head shipped for a built-in model."""
    folder = HEADS_DIR / model
    if not folder.is_dir():
        raise ModelError(f"no shipped sentiment head for model {model!r}; train one with 'voc train sentiment'")
    return SentimentHead.load(folder, expected_model=model)
