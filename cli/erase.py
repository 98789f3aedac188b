"""``voc erase``: remove a customer's messages, messages older than a retention limit, or given ids.

Opens the store itself (only an existing one). While the service holds the embedded store,
the command says so in one line and gives the service's ``POST /v1/admin/erase`` instead.
The messages' texts also leave the cluster registry's example messages.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated

import typer

from cli.store_options import DataDir, Model, ModelsDir, QdrantUrl, StoreBackend
from core.errors import VocError


def erase(
    customer: Annotated[str | None, typer.Option(help="Erase every message of this customer id.")] = None,
    before: Annotated[str | None, typer.Option(help="Erase every message created before this ISO date/time (UTC "
                                                    "if no zone); with --customer, only that customer's.")] = None,
    message_id: Annotated[list[str] | None, typer.Option("--id", help="Erase this message (repeatable).")] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do it without asking.")] = False,
    data_dir: DataDir = None,
    models_dir: ModelsDir = None,
    model: Model = None,
    store_backend: StoreBackend = None,
    qdrant_url: QdrantUrl = None,
) -> None:
    """Erase messages: a customer's (a request to remove their data), those older than a retention
    limit, or given ids. Their texts also leave the clusters' example messages."""
    from cli.store_options import store_target
    from cli.user_errors import describe
    from embeddings.model_folder import read_model_folder
    from jobs.erasure import erase_ids, erase_where
    from jobs.state import RunLockedError
    from store import StoreLockedError, open_store

    try:
        limit = _moment("--before", before) if before is not None else None
        if message_id and (customer is not None or limit is not None):
            raise ValueError("give --id alone, or --customer and/or --before")
        if not message_id and customer is None and limit is None:
            raise ValueError("give --customer, --before or --id: nothing is erased wholesale")
        if customer is not None and not customer.strip():
            raise ValueError("--customer is empty")
        if not yes and not typer.confirm(_question(customer, limit, message_id), err=True):
            raise typer.Exit(1)
        target = store_target(data_dir, models_dir, model, store_backend, qdrant_url)
        manifest, _ = read_model_folder(target.model_folder, verify=False)
        state_dir = target.data_dir / "clusters"
        with open_store(target.backend, dimension=manifest.dimension, create=False,  # type: ignore[arg-type]
                        **target.options) as store:
            erasure = (erase_ids(store, state_dir, message_id) if message_id
                       else erase_where(store, state_dir, customer_id=customer, before=limit))
    except StoreLockedError as error:
        held = describe(error).partition(";")[0]
        typer.echo(f"error: {held}; ask the service that holds it instead: curl -X POST -H 'authorization: Bearer "
                   f"TOKEN' -H 'content-type: application/json' localhost:8000/v1/admin/erase -d "
                   f"'{json.dumps(_body(customer, limit))}'", err=True)
        raise typer.Exit(3) from error
    except RunLockedError as error:
        typer.echo("error: a nightly run is going on in this data folder; erasure waits for it: try again when it "
                   "has finished", err=True)
        raise typer.Exit(2) from error
    except (VocError, ValueError) as error:
        typer.echo(f"error: {describe(error)}", err=True)
        raise typer.Exit(2) from error
    typer.echo(json.dumps(erasure.as_dict()))


def _moment(name: str, value: str) -> datetime:
    from jobs.erasure import retention_limit

    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{name}: expected an ISO date/time such as 2025-12-01 or 2025-12-01T00:00:00+03:00, "
                         f"got {value!r}") from None
    try:
        return retention_limit(moment)
    except ValueError as error:
        raise ValueError(f"{name}: {value} {error}") from None


def _question(customer: str | None, limit: datetime | None, ids: list[str] | None) -> str:
    if ids:
        return f"Erase {len(ids)} message(s) for good?"
    parts = [f"of customer {customer!r}" if customer is not None else "",
             f"created before {limit.isoformat()}" if limit is not None else ""]
    return f"Erase every message {' '.join(part for part in parts if part)} for good?"


def _body(customer: str | None, limit: datetime | None) -> dict[str, str]:
    body = {"customer_id": customer} if customer is not None else {}
    return {**body, **({"before": limit.isoformat()} if limit is not None else {})}
