"""``voc store backup|restore``: a snapshot of the store the VOC_* settings name, and putting one back.

Both open the store themselves (only an existing one). While the service holds the embedded
store, ``backup`` says so in one line and gives the service's ``POST /v1/admin/backups``
instead; ``restore`` replaces everything the service serves, so it asks for the service to be
stopped first. A snapshot is plain files (docs/store.md) and restores into either backend.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, NoReturn

import typer

from cli.store_options import DataDir, Model, ModelsDir, QdrantUrl, StoreBackend
from core.errors import VocError

app = typer.Typer(help="Back the store up, or restore it from a backup.", no_args_is_help=True)


@app.command("backup")
def backup(
    destination: Annotated[Path, typer.Argument(help="A new folder for the snapshot (it must not exist).",
                                                show_default=False)],
    data_dir: DataDir = None,
    models_dir: ModelsDir = None,
    model: Model = None,
    store_backend: StoreBackend = None,
    qdrant_url: QdrantUrl = None,
) -> None:
    """Write a snapshot of every table (messages, clusters, topic prototypes) to DESTINATION.

    The folder appears only once complete. Prints {"path": ..., "points": {table: count}}.

    Examples:

      voc store backup /backups/voc-2026-12-07

      (while the service runs: curl -X POST -H 'authorization: Bearer TOKEN' http://HOST:PORT/v1/admin/backups)
    """
    from store import StoreLockedError

    try:
        with _opened(data_dir, models_dir, model, store_backend, qdrant_url) as store:
            written = store.backup(destination)
    except StoreLockedError as error:
        _held(error, "POST", "/v1/admin/backups: the service writes the backup under VOC_DATA_DIR/backups")
    except (VocError, ValueError, OSError) as error:
        _refused(error)
    from store import describe_snapshot

    described = describe_snapshot(written)
    typer.echo(json.dumps({"path": described["path"], "points": described["points"]}, ensure_ascii=False))


@app.command("restore")
def restore(
    source: Annotated[Path, typer.Argument(help="A snapshot folder written by backup (or by the service).",
                                           show_default=False)],
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking.")] = False,
    data_dir: DataDir = None,
    models_dir: ModelsDir = None,
    model: Model = None,
    store_backend: StoreBackend = None,
    qdrant_url: QdrantUrl = None,
) -> None:
    """Replace every table's contents with SOURCE's, all or nothing.

    The snapshot is checked through before anything changes; the store's current contents are
    kept beside it (SOURCE.previous) until the restore has succeeded, and put back if it fails.
    Stop the service first. Asks first, unless --yes. Prints {"restored": {table: count}}.

    Example:

      voc store restore /backups/voc-2026-12-07
    """
    from cli.user_errors import confirm_or_stop
    from store import StoreLockedError

    try:
        with _opened(data_dir, models_dir, model, store_backend, qdrant_url) as store:
            if not yes:
                confirm_or_stop(f"Replace everything in the store with {source}?", "restore")
            restored = store.restore(source)
    except StoreLockedError as error:
        _held(error, None, "stop the service first: a restore replaces everything it serves")
    except (VocError, ValueError, OSError) as error:
        _refused(error)
    typer.echo(json.dumps({"restored": restored}))


def _opened(data_dir, models_dir, model, store_backend, qdrant_url):
    from cli.store_options import store_target
    from embeddings.model_folder import read_model_folder
    from store import open_store

    target = store_target(data_dir, models_dir, model, store_backend, qdrant_url)
    manifest, _ = read_model_folder(target.model_folder, verify=False)
    return open_store(target.backend, dimension=manifest.dimension, create=False,
                      **target.options)


def _held(error: Exception, method: str | None, advice: str) -> NoReturn:
    from cli.user_errors import describe
    from core.settings import get_settings

    held = describe(error).partition(";")[0]
    if method is not None:
        settings = get_settings()
        advice = (f"ask the service that holds it instead: curl -X {method} -H 'authorization: Bearer TOKEN' "
                  f"http://{settings.host}:{settings.port}{advice}")
    typer.echo(f"error: {held}; {advice}", err=True)
    raise typer.Exit(3) from error


def _refused(error: Exception) -> NoReturn:
    from cli.user_errors import describe

    typer.echo(f"error: {describe(error)}", err=True)
    raise typer.Exit(2) from error
