"""`voc train`: sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Train models on labelled data.", no_args_is_help=True)
