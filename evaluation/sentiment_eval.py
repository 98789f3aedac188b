"""`voc evaluate sentiment` and `voc evaluate routing`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from evaluation.common import embed_all, folds, majority, tfidf_baseline
from evaluation.report import classification_metrics, confusion_plot, write_report
from training.labelled import DataError, read_labelled

LABELS = ("negative", "neutral", "positive")


def _sentiment_metrics(truth, predicted) -> dict[str, Any]:
    metrics = classification_metrics(list(truth), list(predicted), labels=list(LABELS))
    negative = metrics["per_class"]["negative"]
    metrics["negative_recall"], metrics["negative_f1"] = negative["recall"], negative["f1"]
    return metrics


def evaluate_sentiment(data: Path, text_col: str, label_col: str, out: Path, *, split_col: str | None = None,
                       label_map: dict[str, str] | None = None, model: str = "e5-small",
                       models_dir: Path = Path("var/models"), cache_dir: Path | None = None) -> dict[str, Any]:
    rows = read_labelled(data, text_col, label_col, extra_cols=(split_col,) if split_col else (),
                         label_map=label_map, keep_labels=set(LABELS))
    texts, labels = rows.texts, np.asarray(rows.labels, dtype=object)
    vectors, rate, model_name = embed_all(texts, model, models_dir, cache_dir)
    if split_col:
        ((train, test),) = list(folds(list(labels), split=rows.extra[split_col], cv=None))
        shipped = _shipped_head_if_any(model_name)
        head, recipe = _train_like(shipped, vectors[train], [texts[i] for i in train], labels[train], model_name)
        method = (f"head trained on the train split (vectors + n-grams, one linear model; C {recipe['c']}, "
                  f"vector weight {recipe['vector_scale']}, the shipped head's recipe)")
    else:
        from sentiment.head import shipped_head

        head = shipped = shipped_head(model_name)
        test = np.arange(len(texts))
        train = test
        method = "shipped head, as is"
    test_texts = [texts[i] for i in test]
    predicted = np.asarray(head.predict(vectors[test], test_texts), dtype=object)
    truth = labels[test]
    base = (tfidf_baseline([texts[i] for i in train], labels[train], [texts[i] for i in test]) if split_col
            else _cross_validated_baseline(texts, labels))
    metrics = _sentiment_metrics(truth, predicted)
    metrics["embedding_texts_per_s"] = round(rate, 1)
    out.mkdir(parents=True, exist_ok=True)
    confusion_plot(list(truth), list(predicted), out / "confusion.png", f"sentiment — {model_name}")
    report = {"task": "sentiment", "data": str(data), "model": model_name, "method": method, "n": len(test),
              "metrics": metrics, "baseline": _sentiment_metrics(truth, base),
              "baseline_majority": _sentiment_metrics(truth, majority(labels[train], len(test))),
              "details": {"dropped_rows": rows.dropped}}
    if split_col and shipped is not None:
        shipped_metrics = _sentiment_metrics(truth, shipped.predict(vectors[test], test_texts))
        report["shipped"] = {"description": "the shipped head of this model, scored on the same test rows",
                             "data": shipped.manifest.get("data"), "metrics": shipped_metrics}
        report["details"]["shipped_head"] = (f"macro-F1 {shipped_metrics['macro_f1']:.4f}, negative recall "
                                             f"{shipped_metrics['negative_recall']:.4f} (trained on "
                                             f"{', '.join(shipped.manifest.get('data') or ['?'])})")
    write_report(out, report)
    return report


def _shipped_head_if_any(model_name: str):
    from sentiment.head import HEADS_DIR, shipped_head

    return shipped_head(model_name) if (HEADS_DIR / model_name).is_dir() else None


def _train_like(shipped, vectors: np.ndarray, texts: list[str], labels: np.ndarray, model_name: str):
    """A head trained with the shipped head's recipe (the builder's defaults where there is none)."""
    from training.sentiment import shipped_recipe, train_sentiment_head

    recipe = shipped_recipe(shipped)
    try:
        head = train_sentiment_head(vectors, list(labels), model_name, texts=texts, **recipe)
    except ValueError as error:
        raise DataError(f"cannot train a sentiment head on the train split: {error}") from error
    return head, recipe


def _cross_validated_baseline(texts, labels) -> np.ndarray:
    guesses = np.empty(len(texts), dtype=object)
    for train, test in folds(list(labels), split=None, cv=5):
        guesses[test] = tfidf_baseline([texts[i] for i in train], labels[train], [texts[i] for i in test])
    return guesses


def evaluate_routing(data: Path, text_col: str, label_col: str, positive: str, out: Path, *,
                     model: str = "e5-small", models_dir: Path = Path("var/models"),
                     cache_dir: Path | None = None) -> dict[str, Any]:
    """How well the priority score puts the positive class first (the queue order)."""
    from sklearn.metrics import roc_auc_score

    from priority.policy import PrioritySignals, compute_priority, load_policy
    from sentiment.head import shipped_head

    rows = read_labelled(data, text_col, label_col)
    positives = np.asarray([label == positive for label in rows.labels])
    if positives.all() or not positives.any():
        raise DataError(f"--positive {positive!r} must match some rows but not all")
    vectors, rate, model_name = embed_all(rows.texts, model, models_dir, cache_dir)
    head = shipped_head(model_name)
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
    report = {"task": "routing", "data": str(data), "model": model_name, "positive": positive, "n": len(rows.texts),
              "metrics": metrics, "baseline": baseline,
              "details": {"baseline": "first-in-first-out queue (order unrelated to content)"}}
    write_report(out, report)
    return report
