"""`voc evaluate routing`: how well the priority order puts the messages of one label first."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelError
from evaluation import checks
from evaluation.common import embed_all, embedding_model_name
from evaluation.report import write_report
from evaluation.sentiment_eval import load_head, shipped_head_if_any, trained_on
from training.labelled import DataError, read_labelled
from training.output import prepare_folder


def evaluate_routing(data: Path, text_col: str, label_col: str, positive: str, out: Path, *,
                     head_dir: Path | None = None, model: str = "e5-small", models_dir: Path = Path("var/models"),
                     cache_dir: Path | None = None, log: Callable[[str], None] | None = None,
                     progress: Callable[[str, int, int], None] | None = None,
                     max_tokens: int | None = None) -> dict[str, Any]:
    """How well the priority score puts the positive class first (the queue order); the negative
    probability comes from the head in ``head_dir`` or the model's shipped head."""
    from sklearn.metrics import roc_auc_score

    from priority.policy import PrioritySignals, compute_priority, load_policy

    log = log or (lambda line: None)
    progress = progress or (lambda stage, done, total: None)
    rows = read_labelled(data, text_col, label_col)
    for line in rows.warnings():
        log(line)
    checks.require_label("--positive", positive, rows.labels, label_col)
    positives = np.asarray([label == positive for label in rows.labels])
    if positives.all():
        raise DataError(f"--positive {positive!r} matches every row; the label column {label_col!r} "
                        f"needs other labels too")
    name = embedding_model_name(model, models_dir)
    head = load_head(head_dir, name) if head_dir is not None else shipped_head_if_any(name)
    if head is None:
        raise ModelError(f"no shipped sentiment head for model {name!r}: give --head DIR (a folder written by "
                         f"'voc train sentiment' on {name} vectors)")
    prepare_folder(out)
    vectors, _, _ = embed_all(rows.texts, model, models_dir, cache_dir, progress=partial(progress, "embed"),
                              max_tokens=max_tokens)
    negative = head.probabilities(vectors, rows.texts)[:, head.classes.index("negative")]
    policy = load_policy()
    scores = np.asarray([compute_priority(PrioritySignals(negative_probability=float(p)), policy).score
                         for p in negative])
    queue_key = scores + 0.999 * negative  # priority first, ties broken by negative strength
    order = np.argsort(-queue_key)
    top = order[: max(1, len(order) // 5)]
    metrics = {
        "roc_auc": round(float(roc_auc_score(positives, queue_key)), 4),
        "positives_in_top_20pct": round(float(positives[top].mean()), 4),
        "positive_share": round(float(positives.mean()), 4),
        "p1_p2_share": round(float((scores >= policy.levels.P2).mean()), 4),
    }
    baseline = {"roc_auc": 0.5, "positives_in_top_20pct": round(float(positives.mean()), 4)}
    details = {"baseline": "first-in-first-out queue (order unrelated to content)"}
    if head_dir is not None:
        details["sentiment_head"] = f"{head_dir} ({trained_on(head)})"
    report = {"task": "routing", "data": str(data), "model": name, "positive": positive, "n": len(rows.texts),
              "metrics": metrics, "baseline": baseline, "details": details}
    write_report(out, report)
    return report
