"""`voc evaluate sentiment`: a sentiment head on labelled messages against a baseline of the same rows."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from core.errors import ModelError
from evaluation import checks
from evaluation.calibration import calibration_metrics, reliability_plot, reliability_rows
from evaluation.common import DEFAULT_FOLDS, embed_all, embedding_model_name, folds, majority, tfidf_baseline
from evaluation.report import classification_metrics, confusion_plot, write_report
from training.labelled import DataError, read_labelled
from training.output import describe, head_kind, prepare_folder

LABELS = ("negative", "neutral", "positive")


def _sentiment_metrics(truth, predicted) -> dict[str, Any]:
    """Scores over the labels that occur in the truth or the answers; negative recall and F1 are None
    (not measured) without a negative row, rather than a zero no head could have avoided."""
    occurring = set(truth) | set(predicted)
    metrics = classification_metrics(list(truth), list(predicted),
                                     labels=[label for label in LABELS if label in occurring])
    negative = metrics["per_class"].get("negative", {"support": 0})
    measured = negative["support"] > 0
    metrics["negative_recall"] = negative["recall"] if measured else None
    metrics["negative_f1"] = negative["f1"] if measured else None
    return metrics


def evaluate_sentiment(data: Path, text_col: str, label_col: str, out: Path, *, split_col: str | None = None,
                       label_map: dict[str, str] | None = None, head_dir: Path | None = None,
                       model: str = "e5-small", models_dir: Path = Path("var/models"), cache_dir: Path | None = None,
                       log: Callable[[str], None] | None = None,
                       progress: Callable[[str, int, int], None] | None = None,
                       max_tokens: int | None = None) -> dict[str, Any]:
    """Score a sentiment head on labelled rows: the head in ``head_dir``, else one trained on the
    train rows of ``split_col``, else the model's shipped head. With ``split_col`` the test rows
    are scored; without it every row (and the baseline is cross-validated)."""
    log = log or (lambda line: None)
    progress = progress or (lambda stage, done, total: None)
    rows = read_labelled(data, text_col, label_col, extra_cols=(split_col,) if split_col else (),
                         label_map=label_map, keep_labels=set(LABELS))
    for line in rows.warnings():
        log(line)
    texts, labels = rows.texts, np.asarray(rows.labels, dtype=object)
    split = _checked_split(data, rows, label_col, split_col, head_dir, log)
    repeated = checks.repeated_texts_warning(texts, rows.labels, split)
    if repeated:
        log(repeated)
    name = embedding_model_name(model, models_dir)
    shipped = shipped_head_if_any(name)
    given = load_head(head_dir, name) if head_dir is not None else None
    if given is None and split is None and shipped is None:
        raise ModelError(f"no shipped sentiment head for model {name!r}: give --head DIR (a folder written by "
                         f"'voc train sentiment' on {name} vectors) or --split-col to train one on the train rows")
    prepare_folder(out)
    train, test = split if split is not None else (np.arange(len(texts)), np.arange(len(texts)))
    base = (tfidf_baseline([texts[i] for i in train], labels[train], [texts[i] for i in test]) if split_col
            else _cross_validated_baseline(texts, labels, partial(progress, "baseline")))
    vectors, rate, _ = embed_all(texts, model, models_dir, cache_dir, progress=partial(progress, "embed"),
                                 max_tokens=max_tokens)
    if given is not None:
        head, method = given, f"head {head_dir} ({trained_on(given)}), as is"
    elif split is not None:
        log(f"training a sentiment head on {len(train)} train rows …")
        head, recipe = _train_like(shipped, vectors[train], [texts[i] for i in train], labels[train], name)
        method = (f"head trained on the train split (vectors + n-grams, one linear model; C {recipe['c']}, "
                  f"vector weight {recipe['vector_scale']}, the shipped head's recipe)")
    else:
        head, method = shipped, "shipped head, as is"
    test_texts = [texts[i] for i in test]
    probabilities = head.probabilities(vectors[test], test_texts)
    predicted = np.asarray([head.classes[i] for i in probabilities.argmax(axis=1)], dtype=object)
    truth = labels[test]
    if "negative" not in set(truth):
        log(f"warning: no {'test ' if split is not None else ''}row is labelled 'negative'; "
            f"negative recall and F1 are not measured")
    metrics = _sentiment_metrics(truth, predicted)
    metrics["embedding_texts_per_s"] = round(rate, 1)
    curve = (probabilities.max(axis=1), predicted == truth)
    metrics.update(calibration_metrics(*curve))
    confusion_plot(list(truth), list(predicted), out / "confusion.png", f"sentiment — {name}")
    reliability_plot({"product": curve}, out / "calibration.png", f"sentiment confidence — {name}")
    report: dict[str, Any] = {
        "task": "sentiment", "data": str(data), "model": name, "method": method, "n": len(test),
        "metrics": metrics, "baseline": _sentiment_metrics(truth, base),
        "baseline_majority": _sentiment_metrics(truth, majority(labels[train], len(test))),
        "plots": ["confusion.png", "calibration.png"],
        "details": {"dropped_rows": rows.dropped, "calibration": reliability_rows(*curve)}}
    if split_col and given is None and shipped is not None:
        shipped_metrics = _sentiment_metrics(truth, shipped.predict(vectors[test], test_texts))
        report["shipped"] = {"description": "the shipped head of this model, scored on the same test rows",
                             "data": shipped.manifest.get("data"), "metrics": shipped_metrics}
        recall = shipped_metrics["negative_recall"]
        report["details"]["shipped_head"] = (f"macro-F1 {shipped_metrics['macro_f1']:.4f}, negative recall "
                                             f"{'not measured' if recall is None else f'{recall:.4f}'} (trained on "
                                             f"{', '.join(shipped.manifest.get('data') or ['?'])})")
    write_report(out, report)
    return report


def load_head(folder: Path, model: str):
    """A head written by `voc train sentiment` (or a shipped one) for ``model``'s vectors, checked."""
    from sentiment.head import SentimentHead

    if not Path(folder).is_dir():
        raise ModelError(f"--head {folder}: no such folder; give a folder written by 'voc train sentiment'")
    if head_kind(folder) != "sentiment":
        raise ModelError(f"--head {folder} is not a sentiment head ({describe(Path(folder))}); "
                         f"give a folder written by 'voc train sentiment'")
    head = SentimentHead.load(folder)
    if head.model != model:
        raise ModelError(f"--head {folder} was trained on {head.model!r} vectors, not {model!r}: "
                         f"evaluate it with --model {head.model}")
    return head


def trained_on(head) -> str:
    data = head.manifest.get("data")
    return f"trained on {', '.join(data) if isinstance(data, list) else data or '?'}"


def _checked_split(data: Path, rows, label_col: str, split_col: str | None, head_dir: Path | None,
                   log: Callable[[str], None]) -> tuple[np.ndarray, np.ndarray] | None:
    """The file's (train, test) rows, or None to score every row; refuses rows that cannot be scored
    against a baseline, or a train split a head cannot be trained on."""
    checks.require_classes(rows.labels, "sentiment evaluation", label_col, minimum_rows=1)
    if not split_col:
        if len(rows.texts) < DEFAULT_FOLDS:
            raise DataError(f"{data}: {len(rows.texts)} usable rows; the baseline is cross-validated in "
                            f"{DEFAULT_FOLDS} folds and needs at least {DEFAULT_FOLDS} (or give --split-col)")
        checks.require_classes(rows.labels, "the cross-validated baseline", label_col)
        return None
    split, ignored = checks.split_rows(rows.extra[split_col], split_col)
    warning = checks.ignored_split_warning(split_col, ignored)
    if warning:
        log(warning)
    train_labels = [rows.labels[i] for i in split[0]]
    if head_dir is not None:
        checks.require_classes(train_labels, "the baseline on the train rows", label_col, minimum_rows=1)
    elif missing := [label for label in LABELS if label not in train_labels]:
        raise DataError(f"cannot train a sentiment head on the train split: training data needs all of {LABELS}; "
                        f"the train rows have no {missing}")
    return split


def shipped_head_if_any(model_name: str):
    from sentiment.head import HEADS_DIR, shipped_head

    return shipped_head(model_name) if (HEADS_DIR / model_name).is_dir() else None


def _train_like(shipped, vectors: np.ndarray, texts: list[str], labels: np.ndarray, model_name: str):
    """A head trained with the shipped head's recipe (the builder's defaults where there is none)."""
    from training.sentiment import shipped_recipe, train_sentiment_head

    recipe = shipped_recipe(shipped)
    try:
        head = train_sentiment_head(vectors, list(labels), model_name, texts=texts, c=recipe["c"],
                                    vector_scale=recipe["vector_scale"], class_weight=recipe["class_weight"])
    except ValueError as error:
        raise DataError(f"cannot train a sentiment head on the train split: {error}") from error
    return head, recipe


def _cross_validated_baseline(texts, labels, progress: Callable[[int, int], None]) -> np.ndarray:
    """The TF-IDF baseline's answer for every row, from the fold that left it out; ``progress(done,
    total)`` hears the rows answered so far."""
    guesses = np.empty(len(texts), dtype=object)
    done = 0
    progress(done, len(texts))
    for train, test in folds(list(labels), split=None, cv=DEFAULT_FOLDS):
        guesses[test] = tfidf_baseline([texts[i] for i in train], labels[train], [texts[i] for i in test])
        done += len(test)
        progress(done, len(texts))
    return guesses
