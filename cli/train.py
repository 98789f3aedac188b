"""`voc train`: heads trained on a company's labelled messages."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.errors import VocError
from core.settings import get_settings
from training.tabular import DataError

app = typer.Typer(help="Train topic and sentiment heads on labelled data.", no_args_is_help=True)


@app.command("topics")
def topics(
    data: Annotated[Path, typer.Option(help="Labelled CSV or JSON-lines file.", exists=True, dir_okay=False)],
    text_col: Annotated[str, typer.Option(help="Column with the message text.")],
    label_col: Annotated[str, typer.Option(help="Column with the topic.")],
    out: Annotated[Path, typer.Option(help="Folder to write the head to.")],
    owner_col: Annotated[str | None, typer.Option(help="Column with the owner of each topic.")] = None,
    model: Annotated[str | None, typer.Option(help="Embedding model (default VOC_MODEL).")] = None,
    max_accuracy_drop: Annotated[float, typer.Option(
        help="Known-topic accuracy the unknown answer may cost on held-out folds (0.02 = 2 points).",
        min=0.0, max=1.0)] = 0.02,
    unknown_label: Annotated[str | None, typer.Option(
        help="Label of example messages outside the taxonomy; learned as a background class answered 'unknown'.")]
    = None,
    taxonomy: Annotated[Path | None, typer.Option(
        help="Taxonomy the head will serve with (VOC_TAXONOMY): rows whose label is none of its topic ids are "
             "dropped with a warning, and owners that disagree with it are reported.",
        exists=True, dir_okay=False)] = None,
) -> None:
    """Train the supervised topic head (vectors + n-grams + nearest neighbours, stacked, with an unknown answer).

    The labels must be topic ids of the taxonomy the service runs with (VOC_TAXONOMY), which
    refuses a head with other labels at start-up; give --taxonomy to check them here."""
    from cli.progress import Progress
    from cli.user_errors import blank_option, one_line, same_column
    from embeddings.loader import load_embedder
    from topics.supervised import SupervisedTopics
    from topics.taxonomy import load_taxonomy
    from training.embedding import embed_in_chunks
    from training.labelled import read_labelled
    from training.output import prepare_head_folder, removed_on_failure, write_head

    settings = get_settings()
    try:
        with removed_on_failure(out):
            mistake = (blank_option(text_col=text_col, label_col=label_col, owner_col=owner_col)
                       or same_column(owner_col=owner_col, text_col=text_col, label_col=label_col))
            if mistake:
                raise DataError(mistake)
            topics_of = load_taxonomy(taxonomy) if taxonomy else None
            if topics_of is not None and unknown_label in {topic.id for topic in topics_of.topics}:
                raise DataError(f"--unknown-label {unknown_label!r} is a topic id of {topics_of.label}; its rows "
                                f"would be learned as 'unknown', not as that topic: give the label of rows outside "
                                f"the taxonomy")
            rows = read_labelled(data, text_col, label_col, extra_cols=(owner_col,) if owner_col else ())
            if owner_col:
                from evaluation.checks import owner_values

                owner_values(rows.extra[owner_col], owner_col)
            if topics_of is not None:
                rows = _within_taxonomy(rows, topics_of, unknown_label, owner_col)
            keep, labels = _training_rows(rows, label_col, unknown_label)
            texts = [rows.texts[i] for i in keep]
            owners = _owners(labels, [rows.extra[owner_col][i] for i in keep], owner_col) if owner_col else {}
            prepare_head_folder(out, "topic")
            embedder = load_embedder(model or settings.model, settings.models_dir, max_tokens=settings.max_tokens)
            with Progress() as progress:
                progress.log(f"embedding {len(texts)} texts with {embedder.name} …")
                vectors = embed_in_chunks(embedder, texts,
                                          lambda done, total: progress.update("embed", done, total))
                progress.log(f"training the topic head on {len(texts)} messages …")
                head = _fit_topic_head(SupervisedTopics(max_accuracy_drop=max_accuracy_drop), vectors, texts, labels)
            manifest = {"model": embedder.name, "data": str(data), "rows": len(texts), "owners": owners,
                        **({"taxonomy": topics_of.label} if topics_of is not None else {})}
            write_head(out, lambda folder: head.save(folder, manifest))
    except VocError as error:
        typer.echo(f"error: {one_line(str(error))}", err=True)  # e.g. a YAML parser's own message
        raise typer.Exit(2) from error
    weights = ", ".join(f"{view} {weight:.1f}" for view, weight in head.weights_.items())
    typer.echo(f"saved {out} ({len(head.classes_)} topics; weights {weights}; "
               f"unknown below novelty score {head.novelty_.threshold_:.3f})")


def _fit_topic_head(head, vectors, texts: list[str], labels):
    """``head`` fitted, or a DataError saying why these rows cannot train one."""
    try:
        return head.fit(vectors, texts, labels)
    except ValueError as error:
        raise DataError(f"cannot train a topic head on these {len(texts)} messages ({error}); "
                        f"give more messages per topic, with words in them") from error


def _owners(labels, owners: list[str], owner_col: str) -> dict[str, str]:
    """Each topic's owner: the one its rows give most often (rows without one aside), with a warning for
    topics whose rows give several owners and for those whose rows give none."""
    from collections import Counter

    from evaluation.checks import show_counts
    from topics.supervised import UNKNOWN

    given: dict[str, Counter] = {}
    for label, owner in zip(labels, owners):
        counts = given.setdefault(str(label), Counter())
        if owner and label != UNKNOWN:
            counts[owner] += 1
    chosen: dict[str, str] = {}
    for label, counts in given.items():
        if label == UNKNOWN:
            continue
        chosen[label] = counts.most_common(1)[0][0] if counts else ""  # ties: the first given
        if len(counts) > 1:
            typer.echo(f"warning: topic {label!r} has {len(counts)} owners in the column {owner_col!r} "
                       f"({show_counts(counts)}); the head records {chosen[label]!r}, the most frequent", err=True)
    ownerless = sorted(label for label, owner in chosen.items() if not owner)
    if ownerless:
        typer.echo(f"warning: no row of {len(ownerless)} topics gives an owner in the column {owner_col!r}: "
                   f"{', '.join(map(repr, ownerless[:10]))}{' …' if len(ownerless) > 10 else ''}", err=True)
    return chosen


def _within_taxonomy(rows, taxonomy, unknown_label: str | None, owner_col: str | None):
    """``rows`` without those whose label is no topic id of ``taxonomy`` (nor ``unknown_label``), with a
    warning naming those labels; owners that differ from the taxonomy's are reported (it decides)."""
    from collections import Counter

    from training.labelled import LabelledData

    owner_of = {topic.id: topic.owner for topic in taxonomy.topics}
    inside = [i for i, label in enumerate(rows.labels) if label in owner_of or label == unknown_label]
    outside = Counter(label for label in rows.labels if label not in owner_of and label != unknown_label)
    if outside:
        named = ", ".join(f"{label!r} ({count})" for label, count in outside.most_common(10))
        more = f" and {len(outside) - 10} more" if len(outside) > 10 else ""
        typer.echo(f"warning: dropped {sum(outside.values())} rows whose label is no topic of {taxonomy.label}: "
                   f"{named}{more}", err=True)
    if owner_col:
        disagree = Counter((label, rows.extra[owner_col][i], owner_of[label]) for i, label in enumerate(rows.labels)
                           if label in owner_of and rows.extra[owner_col][i] not in ("", owner_of[label]))
        for (label, given, owner), count in disagree.most_common(10):
            typer.echo(f"warning: {count} rows give topic {label!r} the owner {given!r}; the taxonomy's owner "
                       f"{owner!r} is the one the service answers", err=True)
    if not inside:
        raise DataError(f"no row's label is a topic of {taxonomy.label}: the labels must be its topic ids "
                        f"(such as {', '.join(list(owner_of)[:3])})")
    return LabelledData([rows.texts[i] for i in inside], [rows.labels[i] for i in inside],
                        {column: [values[i] for i in inside] for column, values in rows.extra.items()},
                        rows.dropped)


def _training_rows(rows, label_col: str, unknown_label: str | None):
    """Indices of the rows to train on and their labels (``unknown_label`` → the background class),
    with warnings for what is left out; refuses data a topic head cannot be trained on."""
    from collections import Counter

    import numpy as np

    from evaluation.checks import require_classes, require_label
    from topics.supervised import UNKNOWN

    counts = Counter(rows.labels)
    rare = sorted(label for label, n in counts.items() if n < 2)
    if rare:
        typer.echo(f"warning: dropped {len(rare)} classes with fewer than 2 examples: {rare[:10]}", err=True)
    for line in rows.warnings():
        typer.echo(line, err=True)
    if unknown_label is not None:
        require_label("--unknown-label", unknown_label, rows.labels, label_col)
    background = (UNKNOWN,) if unknown_label is None else (UNKNOWN, unknown_label)
    require_classes(rows.labels, "a topic head", label_col, exclude=background)
    keep = [i for i, label in enumerate(rows.labels) if counts[label] >= 2]
    labels = np.asarray([rows.labels[i] for i in keep], dtype=object)
    if unknown_label is not None:
        labels = np.where(labels == unknown_label, UNKNOWN, labels)
    return keep, labels
