"""Checks on the options and labels of `voc evaluate`, run before anything is embedded."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from evaluation.common import DEFAULT_FOLDS
from training.labelled import DataError

SPLIT_VALUES = ("train", "test")
SHOWN_VALUES = 10


def split_rows(values: Sequence[str], column: str) -> tuple[tuple[np.ndarray, np.ndarray], dict[str, int]]:
    """(train, test) row indices from a split column (train / test, any case), and the other
    values with their row counts (those rows take part in neither)."""
    marks = np.asarray([value.strip().lower() for value in values], dtype=object)
    train, test = np.where(marks == "train")[0], np.where(marks == "test")[0]
    counts = Counter(str(value) for value in marks)
    if not len(train) or not len(test):
        raise DataError(f"the split column {column!r} needs rows marked 'train' and rows marked 'test'; "
                        f"it has {show_counts(counts)}")
    return (train, test), {value: n for value, n in counts.items() if value not in SPLIT_VALUES}


def untrained_test_labels_warning(train_labels: Sequence[str], test_labels: Sequence[str], *,
                                  exclude: tuple[str, ...] = ()) -> str | None:
    """Test rows whose label has fewer than 2 train rows: no head is trained on it, so they are all errors."""
    trained = Counter(train_labels)
    untrained = Counter(str(label) for label in test_labels if trained[label] < 2 and label not in exclude)
    if not untrained:
        return None
    return (f"warning: {sum(untrained.values())} test rows have labels with fewer than 2 train rows; no head "
            f"learns them, so they count as errors: {show_counts(untrained)}")


def ignored_split_warning(column: str, ignored: dict[str, int]) -> str | None:
    if not ignored:
        return None
    return (f"warning: ignored {sum(ignored.values())} rows whose split column {column!r} is neither "
            f"'train' nor 'test': {show_counts(ignored)}")


def repeated_texts_warning(texts: Sequence[str], labels: Sequence[str],
                           split: tuple[np.ndarray, np.ndarray] | None) -> str | None:
    """Rows whose text is also the text of a row they may be trained on (the same data twice, a message
    sent again): the head is then tested on what it learned, which flatters its scores and the baselines'.
    With a split, the test rows that repeat a train row; else the rows that repeat an earlier row (K-fold
    may train on one copy and test on the other)."""
    first: dict[str, str] = {}
    repeated = relabelled = 0
    if split is not None:
        for i in split[0]:
            first.setdefault(texts[i], labels[i])
        tested = split[1]
    else:
        tested = range(len(texts))
    for i in tested:
        if texts[i] in first:
            repeated += 1
            relabelled += first[texts[i]] != labels[i]
        elif split is None:
            first[texts[i]] = labels[i]
    if not repeated:
        return None
    where = ("test rows repeat the text of a train row" if split is not None
             else "rows repeat the text of an earlier row")
    other = f" ({relabelled} of them with another label)" if relabelled else ""
    return (f"warning: {repeated} {where}{other}; a head tested on messages it was trained on scores higher than "
            f"on new ones (remove the copies for a fair measure)")


def fold_count(cv: int | None, rows: int) -> int:
    """The number of folds ``--cv`` asks for (5 without it), refused where K-fold cannot run."""
    k = DEFAULT_FOLDS if cv is None else cv
    if k < 2:
        raise DataError(f"--cv {k}: K-fold cross-validation needs at least 2 folds")
    if k > rows:
        given = f"--cv {k}" if cv is not None else f"{k}-fold cross-validation (the default without --cv)"
        raise DataError(f"{given}: more folds than usable rows ({rows}); each fold needs a test row, "
                        f"so give at most --cv {rows}")
    return k


def small_classes_warning(labels: Sequence[str], k: int) -> str | None:
    """Stratified K-fold puts a row of each label in every fold only for labels with K rows or more;
    smaller ones are stratified together (their rows may be missing from some folds)."""
    small = sorted((n, str(label)) for label, n in Counter(labels).items() if n < k)
    if not small:
        return None
    shown = ", ".join(f"{label!r} {n}" for n, label in small[:SHOWN_VALUES])
    more = f" and {len(small) - SHOWN_VALUES} more" if len(small) > SHOWN_VALUES else ""
    return (f"warning: {len(small)} labels have fewer rows than the {k} folds ({shown}{more}); "
            f"they are stratified together")


def require_label(option: str, value: str, labels: Sequence[str], label_col: str) -> None:
    """A label an option names must occur in the label column."""
    counts = Counter(labels)
    if value not in counts:
        raise DataError(f"{option} {value!r} matches no row of the label column {label_col!r} "
                        f"(its labels: {show_counts(counts)})")


def require_classes(labels: Sequence[str], what: str, label_col: str, *, minimum_rows: int = 2,
                    exclude: tuple[str, ...] = ()) -> None:
    """At least two labels (other than ``exclude``) with ``minimum_rows`` rows each."""
    counts = Counter(label for label in labels if label not in exclude)
    usable = [label for label, n in counts.items() if n >= minimum_rows]
    if len(usable) < 2:
        found = show_counts(counts) if counts else "none"
        need = "two different labels" if minimum_rows <= 1 else f"two labels with {minimum_rows} or more rows each"
        raise DataError(f"{what} needs at least {need}; the label column {label_col!r} has {found}")


def show_counts(counts: dict[str, int]) -> str:
    """``'a' 10, 'b' 2, …``: the most frequent values first, at most ten of them."""
    ranked = sorted(counts.items(), key=lambda item: (-item[1], str(item[0])))
    shown = ", ".join(f"{value!r} {n}" for value, n in ranked[:SHOWN_VALUES])
    return shown + (f" and {len(ranked) - SHOWN_VALUES} more" if len(ranked) > SHOWN_VALUES else "")


def owner_values(values: Sequence[str], column: str) -> np.ndarray:
    """The owner column, refused when no row gives an owner (owner accuracy would measure nothing)."""
    owners = np.asarray(values, dtype=object)
    if not (owners != "").any():
        raise DataError(f"--owner-col {column!r} is empty in every row; give the column that names each "
                        f"message's owner, or leave out --owner-col")
    return owners


def labels_outside_taxonomy(labels: Sequence[str], taxonomy, label_col: str, *, exclude: str) -> str | None:
    """A warning naming the labels that are no topic id of ``taxonomy`` (zero-shot never answers them,
    so their rows count as errors); refused when no label is a topic id."""
    topic_ids = {topic.id for topic in taxonomy.topics}
    outside = Counter(str(label) for label in labels if label not in topic_ids and label != exclude)
    if not outside:
        return None
    if not any(label in topic_ids for label in labels):
        raise DataError(f"no label of the column {label_col!r} is a topic id of {taxonomy.label} "
                        f"(its labels: {show_counts(outside)}; topic ids such as {', '.join(sorted(topic_ids)[:3])})")
    return (f"warning: {sum(outside.values())} rows have labels that are no topic id of {taxonomy.label}; "
            f"zero-shot never answers them, so they count as errors: {show_counts(outside)} "
            f"(give --unknown-label for rows outside the taxonomy)")
