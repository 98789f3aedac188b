"""How well a model's confidence matches how often it is right: expected calibration error and a
reliability plot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

BINS = 15


def _bins(confidence: np.ndarray, bins: int) -> np.ndarray:
    return np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)


def calibration_metrics(confidence, correct, bins: int = BINS) -> dict[str, float]:
    """``ece``: the gap between confidence and accuracy averaged over ``bins`` equal-width confidence
    bins, weighted by their share of the answers; ``mean_confidence`` beside the accuracy it should
    match; ``brier_top``: the squared error of the confidence against right (1) / wrong (0)."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    if len(confidence) == 0:
        raise ValueError("calibration needs at least one answer")
    which = _bins(confidence, bins)
    gap = sum((which == b).mean() * abs(confidence[which == b].mean() - correct[which == b].mean())
              for b in np.unique(which))
    return {"ece": round(float(gap), 4), "mean_confidence": round(float(confidence.mean()), 4),
            "brier_top": round(float(((confidence - correct) ** 2).mean()), 4)}


def reliability_rows(confidence, correct, bins: int = BINS) -> list[dict[str, Any]]:
    """Per non-empty bin: its range, the answers in it, their mean confidence and accuracy."""
    confidence, correct = np.asarray(confidence, dtype=np.float64), np.asarray(correct, dtype=np.float64)
    which = _bins(confidence, bins)
    return [{"range": [round(b / bins, 3), round((b + 1) / bins, 3)], "n": int((which == b).sum()),
             "confidence": round(float(confidence[which == b].mean()), 4),
             "accuracy": round(float(correct[which == b].mean()), 4)} for b in np.unique(which)]


def reliability_plot(curves: dict[str, tuple[Any, Any]], path: Path, title: str, bins: int = BINS) -> None:
    """Accuracy against confidence per bin for each named ``(confidence, correct)`` pair, with the
    diagonal a calibrated model follows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(5, 5))
    axis.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    for name, (confidence, correct) in curves.items():
        rows = reliability_rows(confidence, correct, bins)
        ece = calibration_metrics(confidence, correct, bins)["ece"]
        axis.plot([r["confidence"] for r in rows], [r["accuracy"] for r in rows], marker="o",
                  label=f"{name} (ECE {ece:.3f})")
    axis.set_xlim(0, 1)
    axis.set_ylim(0, 1)
    axis.set_xlabel("confidence of the answer")
    axis.set_ylabel("share of answers that are right")
    axis.set_title(title)
    axis.legend(loc="upper left", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    plt.close(figure)
