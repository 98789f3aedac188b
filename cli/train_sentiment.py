"""`voc train sentiment`: a sentiment head trained on a company's own labelled messages.

The head is the same kind as the shipped ones (one logistic regression on the message
vectors and hashed word/character n-grams); point `VOC_SENTIMENT_HEAD` at the folder it
writes to serve it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, cast

import typer

from core.errors import VocError
from training.sentiment import CLASS_WEIGHTINGS, DEFAULT_RECIPE


def parse_label_map(items: list[str] | None) -> dict[str, str]:
    """``["pos=positive", ...]`` → ``{"pos": "positive"}`` (spaces around either side ignored, as they are
    in the file's cells); a malformed item, a TO that is no sentiment label or a FROM mapped twice is a
    ValueError naming it."""
    from sentiment.head import LABELS

    mapping: dict[str, str] = {}
    for item in items or []:
        source, _, target = (part.strip() for part in item.partition("="))
        if not source or not target:
            raise ValueError(f"--label-map expects FROM=TO, got {item!r}")
        if target not in LABELS:
            raise ValueError(f"--label-map {item!r}: {target!r} is not one of {', '.join(LABELS)}")
        if mapping.get(source, target) != target:
            raise ValueError(f"--label-map maps {source!r} twice: to {mapping[source]!r} and to {target!r}")
        mapping[source] = target
    return mapping


def sentiment(
    data: Annotated[Path, typer.Option(help="Labelled CSV or JSON-lines file.", exists=True, dir_okay=False)],
    text_col: Annotated[str, typer.Option(help="Column with the message text.")],
    label_col: Annotated[str, typer.Option(help="Column with negative / neutral / positive (see --label-map).")],
    out: Annotated[Path, typer.Option(help="Folder to write the head to (manifest.json, weights.npz).")],
    label_map: Annotated[list[str] | None, typer.Option(help="FROM=TO, repeatable, e.g. --label-map 1=positive.")]
    = None,
    model: Annotated[str | None, typer.Option(help="Embedding model (default VOC_MODEL).")] = None,
    c: Annotated[float, typer.Option(help="Inverse regularisation strength of the logistic regression "
                                          "(default: the shipped heads' recipe).", min=1e-4)]
    = cast(float, DEFAULT_RECIPE["c"]),
    vector_weight: Annotated[float, typer.Option(help="Weight of the vectors against the n-grams (default: the "
                                                      "shipped heads' recipe).", min=0.0)]
    = cast(float, DEFAULT_RECIPE["vector_scale"]),
    ngrams: Annotated[bool, typer.Option(help="Use word and character n-grams besides the vectors.")] = True,
    class_weight: Annotated[str, typer.Option(
        help=f"How the classes are weighted: {', '.join(CLASS_WEIGHTINGS)} (balanced: each class by the inverse of "
             "its share; sqrt-balanced: by its square root; none: as the data has them; default: the shipped "
             "heads' recipe).")] = cast(str, DEFAULT_RECIPE["class_weight"]),
) -> None:
    """Train a sentiment head (negative / neutral / positive) on labelled messages."""
    from collections import Counter

    from cli.progress import Progress
    from cli.user_errors import one_line
    from core.settings import get_settings
    from embeddings.loader import load_embedder
    from sentiment.head import LABELS
    from training.embedding import embed_in_chunks
    from training.labelled import read_labelled
    from training.output import prepare_head_folder, removed_on_failure, write_head
    from training.sentiment import train_sentiment_head

    settings = get_settings()
    try:
        with removed_on_failure(out):
            if class_weight not in CLASS_WEIGHTINGS:
                raise ValueError(f"--class-weight {class_weight!r}: expected one of {', '.join(CLASS_WEIGHTINGS)}")
            rows = read_labelled(data, text_col, label_col, label_map=parse_label_map(label_map) or None,
                                 keep_labels=set(LABELS))
            for line in rows.warnings():
                typer.echo(line, err=True)
            counts = Counter(rows.labels)
            missing = [label for label in LABELS if counts[label] < 2]
            if missing:
                raise ValueError(f"{data}: need at least 2 messages of each of {list(LABELS)}; too few of {missing} "
                                 f"(found {dict(counts)}; map other labels with --label-map)")
            prepare_head_folder(out, "sentiment")
            embedder = load_embedder(model or settings.model, settings.models_dir, max_tokens=settings.max_tokens)
            with Progress() as progress:
                progress.log(f"embedding {len(rows.texts)} texts with {embedder.name} …")
                vectors = embed_in_chunks(embedder, rows.texts,
                                          lambda done, total: progress.update("embed", done, total))
                progress.log(f"training the sentiment head on {len(rows.texts)} messages …")
                head = train_sentiment_head(vectors, rows.labels, embedder.name,
                                            texts=rows.texts if ngrams else None,
                                            c=c, vector_scale=vector_weight, class_weight=class_weight)
            manifest = {"data": str(data), "rows": len(rows.texts), "label_counts": dict(counts),
                        "recipe": {"c": c, "vector_scale": vector_weight, "class_weight": class_weight,
                                   "ngrams": ngrams}}
            write_head(out, lambda folder: head.save(folder, manifest))
    except (VocError, ValueError) as error:
        typer.echo(f"error: {one_line(str(error))}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"saved {out} ({len(rows.texts)} messages: {dict(counts)}); serve it with VOC_SENTIMENT_HEAD={out}")
