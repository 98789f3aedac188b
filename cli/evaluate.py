"""`voc evaluate`: sub-commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Evaluate models on labelled data.", no_args_is_help=True)
