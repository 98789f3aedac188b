"""`voc evaluate topics`: the topic head (or zero-shot) against baselines of the same split.

``baseline`` is TF-IDF + logistic regression (the format every report shares);
``baseline_probe`` is a logistic regression on the same frozen message vectors.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from evaluation import checks
from evaluation.calibration import calibration_metrics, reliability_plot, reliability_rows
from evaluation.common import drop_rare, embed_all, folds, majority, tfidf_baseline
from evaluation.report import classification_metrics, confusion_plot, write_report
from training.labelled import DataError, read_labelled
from training.output import prepare_folder

UNKNOWN = "unknown"
PROBE_C = 100.0


def vector_probe(train_vectors: np.ndarray, train_labels: np.ndarray, test_vectors: np.ndarray) -> np.ndarray:
    """A plain linear probe: logistic regression on the frozen message vectors."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=PROBE_C, max_iter=3000).fit(train_vectors, train_labels).predict(test_vectors)


def evaluate_topics(data: Path, text_col: str, label_col: str, out: Path, *, owner_col: str | None = None,
                    split_col: str | None = None, cv: int | None = None, taxonomy: Path | None = None,
                    unknown_label: str | None = None, learn_unknown: bool = False, outside_from: Path | None = None,
                    model: str = "e5-small",
                    models_dir: Path = Path("var/models"), cache_dir: Path | None = None,
                    log: Callable[[str], None] | None = None,
                    progress: Callable[[str, int, int], None] | None = None,
                    max_tokens: int | None = None) -> dict[str, Any]:
    """Train on each fold's training rows and report on its test rows.

    Rows with ``unknown_label`` are messages outside the taxonomy. By default no head sees
    them in training (the unknown answer comes from novelty alone); with ``learn_unknown``
    the training folds' out-of-taxonomy rows are learned as a background class (the
    baselines learn them as one more label) and the test folds' rows are still unseen. With
    ``outside_from`` (a taxonomy YAML), its ``outside`` examples answer "unknown" too: in each fold
    an :class:`~topics.outside.OutsideRule` is fitted on the training rows of known topics and
    flags test rows after the head's own unknown answer.
    Everything about the input is checked before anything is embedded; ``log`` gets the
    warnings, ``progress(stage, done, total)`` follows the stages "embed" and "folds".
    """
    log = log or (lambda line: None)
    progress = progress or (lambda stage, done, total: None)
    if taxonomy is not None and (split_col is not None or cv is not None):
        raise DataError("--taxonomy runs zero-shot on the whole file; leave out --split-col and --cv")
    if taxonomy is not None and learn_unknown:
        raise DataError("--learn-unknown trains a background class, but --taxonomy runs zero-shot and trains "
                        "nothing; leave out --learn-unknown")
    outside = _outside_examples(outside_from, taxonomy, unknown_label)
    rows = read_labelled(data, text_col, label_col, extra_cols=tuple(c for c in (owner_col, split_col) if c))
    for line in rows.warnings():
        log(line)
    texts, labels = rows.texts, np.asarray(rows.labels, dtype=object)
    if unknown_label is not None:
        checks.require_label("--unknown-label", unknown_label, rows.labels, label_col)
        labels = np.where(labels == unknown_label, UNKNOWN, labels)
    true_owner = checks.owner_values(rows.extra[owner_col], owner_col) if owner_col else None
    if taxonomy is not None:
        from topics.taxonomy import load_taxonomy

        topics = load_taxonomy(taxonomy)
        warning = checks.labels_outside_taxonomy(list(labels), topics, label_col, exclude=UNKNOWN)
        if warning:
            log(warning)
        prepare_folder(out)
        vectors, _, _ = embed_all(texts, model, models_dir, cache_dir, progress=partial(progress, "embed"),
                                  max_tokens=max_tokens)
        return _zero_shot(data, texts, labels, vectors, topics, out, model, models_dir, max_tokens, true_owner)
    split, k = _protocol(labels, rows.extra.get(split_col) if split_col else None, split_col, cv, label_col, log)
    repeated = checks.repeated_texts_warning(texts, list(labels), split)
    if repeated:
        log(repeated)
    if split is not None and unknown_label is not None and not (labels[split[1]] == UNKNOWN).any():
        raise DataError(f"--unknown-label {unknown_label!r} matches no test row of the split column {split_col!r}; "
                        f"unknown recall is measured on test rows")
    prepare_folder(out)
    vectors, embed_rate, model_name = embed_all(texts, model, models_dir, cache_dir,
                                                progress=partial(progress, "embed"), max_tokens=max_tokens)
    outside_vectors = embed_all(outside, model, models_dir, cache_dir, max_tokens=max_tokens)[0] if outside else None
    outside_rules: list[dict] = []
    predicted = np.empty(len(texts), dtype=object)
    closed = np.empty(len(texts), dtype=object)  # the same head without the unknown answer
    closed_confidence = np.zeros(len(texts))  # the probability the head gives that answer
    base = np.empty(len(texts), dtype=object)
    base_confidence = np.zeros(len(texts))
    probe = np.empty(len(texts), dtype=object)
    base_majority = np.empty(len(texts), dtype=object)
    owner_of: Counter = Counter()
    dropped: set[str] = set()
    seconds, tested = 0.0, np.zeros(len(texts), dtype=bool)
    weights: list[dict[str, float]] = []
    from topics.outside import OutsideRule
    from topics.supervised import SupervisedTopics

    total = k if k is not None else 1  # folds, or the file's one split
    progress("folds", 0, total)
    for number, (train, test) in enumerate(folds(list(labels), split=split, cv=k), start=1):
        if not learn_unknown:
            train = train[labels[train] != UNKNOWN]
        train, rare = drop_rare(train, labels)
        dropped.update(rare)
        try:
            head = SupervisedTopics().fit(vectors[train], [texts[i] for i in train], labels[train])
        except ValueError as error:
            raise DataError(f"fold {number} of {total}: cannot train a topic head ({error}); "
                            f"give fewer folds or more rows per topic") from error
        start = time.perf_counter()
        predicted[test] = head.predict(vectors[test], [texts[i] for i in test], allow_unknown=unknown_label is not None)
        if outside_vectors is not None:
            rule = OutsideRule().fit(outside_vectors, vectors[train][labels[train] != UNKNOWN])
            predicted[test] = np.where(rule.flags(vectors[test]), UNKNOWN, predicted[test])
            outside_rules.append(rule.to_json())
        seconds += time.perf_counter() - start
        weights.append(head.weights_)
        probabilities = head.predict_proba(vectors[test], [texts[i] for i in test])
        best = head.best_known(probabilities)
        closed[test] = head.classes_[best]
        closed_confidence[test] = probabilities[np.arange(len(test)), best]
        base[test], base_confidence[test] = tfidf_baseline([texts[i] for i in train], labels[train],
                                                           [texts[i] for i in test], with_confidence=True)
        probe[test] = vector_probe(vectors[train], labels[train], vectors[test])
        base_majority[test] = majority(labels[train], len(test))
        tested[test] = True
        if true_owner is not None:
            owner_of.update((labels[i], true_owner[i]) for i in train if true_owner[i])
        progress("folds", number, total)
    if dropped and split is None:
        log(f"warning: labels left out of training in some folds (fewer than 2 training rows there), so their "
            f"test rows there count as errors: {', '.join(repr(str(label)) for label in sorted(dropped))}")
    truth, predicted, closed, base, probe, base_majority, closed_confidence, base_confidence = (
        a[tested] for a in (labels, predicted, closed, base, probe, base_majority, closed_confidence,
                            base_confidence))
    metrics = classification_metrics(list(truth), list(predicted))
    baseline = classification_metrics(list(truth), list(base))
    baseline_probe = classification_metrics(list(truth), list(probe))
    metrics["throughput_texts_per_s"] = round(float(tested.sum() / max(seconds, 1e-9)), 1)
    metrics["embedding_texts_per_s"] = round(embed_rate, 1)
    if unknown_label is not None:
        for section, guesses in ((metrics, predicted), (baseline, base), (baseline_probe, probe)):
            section.update(_unknown_metrics(truth, guesses))
        metrics["known_accuracy_without_unknown"] = _unknown_metrics(truth, closed)["known_accuracy"]
        metrics["known_accuracy_drop"] = round(metrics["known_accuracy_without_unknown"] - metrics["known_accuracy"], 4)
    if true_owner is not None:
        owners = _owner_map(owner_of)
        for section, guesses in ((metrics, predicted), (baseline, base), (baseline_probe, probe)):
            section["owner_accuracy"] = owner_accuracy(guesses, true_owner[tested], owners)
    known = truth != UNKNOWN
    curves = {"product": (closed_confidence[known], closed[known] == truth[known]),
              "baseline": (base_confidence[known], base[known] == truth[known])}
    for section, (confidence, correct) in zip((metrics, baseline), curves.values()):
        section.update(calibration_metrics(confidence, correct))
    confusion_plot(list(truth), list(predicted), out / "confusion.png", f"topics — {model_name}")
    reliability_plot(curves, out / "calibration.png", f"topic confidence — {model_name}")
    method = "vectors + n-grams + nearest neighbours, stacked"
    if learn_unknown:
        method += ", out-of-taxonomy rows learned as a background class"
    if outside:
        method += f", {len(outside)} examples outside the taxonomy (--outside-from {outside_from})"
    report: dict[str, Any] = {
        "task": "topics", "data": str(data), "model": model_name, "method": method,
        "n": int(tested.sum()), "protocol": f"split column {split_col}" if split_col else f"{k}-fold CV",
        "metrics": metrics, "baseline": baseline, "baseline_probe": baseline_probe,
        "plots": ["confusion.png", "calibration.png"],
        "baseline_majority": classification_metrics(list(truth), list(base_majority)),
        "details": {"dropped_rows": rows.dropped, "classes_dropped_from_training (fewer than 2 rows)": sorted(dropped),
                    "view_weights (vector, text, neighbour) per fold": [
                        [round(w[view], 2) for view in ("vector", "text", "neighbour")] for w in weights],
                    "calibration (known topics; product: the answer without the unknown rule)":
                        reliability_rows(*curves["product"]),
                    "baseline_probe": f"logistic regression C={PROBE_C:g} on the {model_name} vectors: "
                                      f"accuracy {baseline_probe['accuracy']}, macro-F1 {baseline_probe['macro_f1']}"},
    }
    if outside:
        report["details"]["outside rule per fold (margin fitted on the training rows of known topics)"] = outside_rules
    write_report(out, report)
    return report


def _protocol(labels: np.ndarray, split_values: list[str] | None, split_col: str | None, cv: int | None,
              label_col: str, log: Callable[[str], None]) -> tuple[Any, int | None]:
    """The file's (train, test) split or the number of folds, checked; the rows to train on must hold
    at least two topics (out-of-taxonomy rows aside) with two rows or more."""
    split, k = None, None
    if split_values is not None:
        split, ignored = checks.split_rows(split_values, str(split_col))
        trainable = labels[split[0]]
        warning = checks.ignored_split_warning(str(split_col), ignored)
        untrained = checks.untrained_test_labels_warning(trainable, labels[split[1]], exclude=(UNKNOWN,))
        if untrained:
            log(untrained)
    else:
        k, trainable = checks.fold_count(cv, len(labels)), labels
        warning = checks.small_classes_warning(list(labels), k)
    if warning:
        log(warning)
    checks.require_classes(list(trainable), "a topic head", label_col, exclude=(UNKNOWN,))
    return split, k


def _outside_examples(path: Path | None, taxonomy: Path | None, unknown_label: str | None) -> list[str]:
    """The ``outside`` examples of the taxonomy at ``path`` (only that list is used), checked."""
    if path is None:
        return []
    if taxonomy is not None:
        raise DataError("--taxonomy runs zero-shot, which already answers the taxonomy's own 'outside' examples; "
                        "leave out --outside-from")
    if unknown_label is None:
        raise DataError("--outside-from answers 'unknown', which is scored only with --unknown-label (which rows are "
                        "out of the taxonomy)")
    from topics.taxonomy import load_taxonomy

    examples = list(dict.fromkeys(load_taxonomy(path).outside))
    if not examples:
        raise DataError(f"--outside-from {path}: the taxonomy lists no examples outside it (its 'outside:' list)")
    return examples


def _unknown_metrics(truth: np.ndarray, guesses: np.ndarray) -> dict[str, float]:
    outside = truth == UNKNOWN
    return {
        "unknown_recall": round(float((guesses[outside] == UNKNOWN).mean()) if outside.any() else 0.0, 4),
        "known_accuracy": round(float((guesses[~outside] == truth[~outside]).mean()), 4),
    }


def owner_accuracy(guesses: np.ndarray, true_owner: np.ndarray, owners: dict[str, str]) -> float | None:
    """The share of rows whose answer's owner is the row's owner; rows without an owner have nothing
    to be right about and are left out (None: no scored row has one)."""
    given = true_owner != ""
    hits = [owners.get(guess) == owner for guess, owner in zip(guesses[given], true_owner[given])]
    return round(float(np.mean(hits)), 4) if hits else None


def _owner_map(pairs: Counter) -> dict[str, str]:
    best: dict[str, tuple[int, str]] = {}
    for (label, owner), count in pairs.items():
        if count > best.get(label, (0, ""))[0]:
            best[label] = (count, owner)
    return {label: owner for label, (_, owner) in best.items()}


def _zero_shot(data, texts, labels, vectors, taxonomy, out, model, models_dir, max_tokens,
               true_owner: np.ndarray | None) -> dict[str, Any]:
    from embeddings.loader import load_embedder
    from topics.zero_shot import ZeroShotTopics

    embedder = load_embedder(model, models_dir, max_tokens=max_tokens)
    head = ZeroShotTopics(taxonomy, embedder)
    answers = head.assign(vectors, texts)
    predicted = np.asarray([a.topic_id for a in answers], dtype=object)
    closed = np.asarray([a.top[0].topic_id for a in answers], dtype=object)  # the best topic, never unknown
    confidence = np.asarray([a.top[0].confidence for a in answers])
    base = _tfidf_nearest_example(taxonomy, texts)
    scored = predicted if (labels == UNKNOWN).any() else closed  # the unknown answer where rows call for it
    metrics = classification_metrics(list(labels), list(scored))
    baseline = classification_metrics(list(labels), list(base))
    if (labels == UNKNOWN).any():
        metrics.update(_unknown_metrics(labels, predicted))
        metrics["known_accuracy_without_unknown"] = _unknown_metrics(labels, closed)["known_accuracy"]
        baseline.update(_unknown_metrics(labels, base))
    if true_owner is not None:
        owners = {topic.id: topic.owner for topic in taxonomy.topics}
        for section, guesses in ((metrics, scored), (baseline, base)):
            section["owner_accuracy"] = owner_accuracy(guesses, true_owner, owners)
    known = labels != UNKNOWN
    curve = (confidence[known], closed[known] == labels[known])
    metrics.update(calibration_metrics(*curve))
    confusion_plot(list(labels), list(scored), out / "confusion.png", "topics — zero-shot")
    reliability_plot({"zero-shot": curve}, out / "calibration.png", f"topic confidence — {embedder.name}")
    method = "zero-shot from the taxonomy"
    if taxonomy.outside:
        method += f", with its {len(taxonomy.outside)} examples outside it"
    report = {"task": "topics", "data": str(data), "model": embedder.name, "method": method,
              "n": len(texts), "metrics": metrics, "baseline": baseline,
              "plots": ["confusion.png", "calibration.png"],
              "details": {"unknown_threshold": round(head.threshold, 4), "taxonomy": taxonomy.label,
                          "outside rule (margin fitted on the topic phrases)": head.outside.to_json(),
                          "calibration (known topics)": reliability_rows(*curve)}}
    write_report(out, report)
    return report


def _tfidf_nearest_example(taxonomy, texts) -> np.ndarray:
    from topics.text_features import TextFeatures

    phrases, owners = [], []
    for topic in taxonomy.topics:
        for phrase in [topic.description, *topic.examples]:
            phrases.append(phrase)
            owners.append(topic.id)
    features = TextFeatures().fit(phrases + list(texts))
    similarity = (features.transform(list(texts)) @ features.transform(phrases).T).toarray()
    return np.asarray(owners, dtype=object)[similarity.argmax(axis=1)]
