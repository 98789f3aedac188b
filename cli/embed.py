"""`voc embed`: vectors for texts from the command line."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from core.errors import InvalidTextError, ModelError
from core.settings import get_settings


def embed(
    texts: Annotated[list[str], typer.Argument(help="Texts to embed (quote each one).", show_default=False)],
    model: Annotated[
        str | None, typer.Option(help="Built-in model name or model folder; default from VOC_MODEL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of {text, vector}.")] = False,
) -> None:
    """Embed TEXTS and print each one's dimension and norm (or the vectors with --json)."""
    from embeddings.loader import load_embedder

    settings = get_settings()
    try:
        embedder = load_embedder(
            model or settings.model,
            settings.models_dir,
            providers=settings.providers,
            threads=settings.intra_op_threads,
            spinning=settings.intra_op_spinning,
            batch_size=settings.embed_batch_size,
            max_tokens=settings.max_tokens,
        )
        vectors = embedder.embed(texts)
    except (InvalidTextError, ModelError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    if as_json:
        json.dump(
            [{"text": text, "vector": [round(float(x), 7) for x in vector]} for text, vector in zip(texts, vectors)],
            sys.stdout,
            ensure_ascii=False,
        )
        sys.stdout.write("\n")
        return
    for text, vector in zip(texts, vectors):
        typer.echo(f"dim={vector.shape[0]} norm={float((vector**2).sum() ** 0.5):.4f}  {text[:60]}")
