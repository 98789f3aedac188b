"""``voc erase``: remove a customer's messages, messages older than a retention limit, or given ids.

Opens the store itself (only an existing one). While the service holds the embedded store,
the command says so in one line and gives the service's ``POST /v1/admin/erase`` instead.
The messages' texts also leave the cluster registry's example messages.
"""

from __future__ import annotations

import json
import shlex
from datetime import datetime
from typing import Annotated
from urllib.parse import quote

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
    """Erase a customer's messages, those older than a retention limit, or given ids.

    Their texts also leave the clusters' example messages. Asks first, unless --yes.
    The store must exist; while a running service holds it, the command prints the service
    request that erases the same messages. Prints {"deleted": N, "examples_removed": M}.

    Examples:

      voc erase --customer c-1042            (a customer's request to remove their data)

      voc erase --before 2025-12-01 --yes    (retention: everything created before that day, UTC)

      voc erase --id m-17 --id m-18
    """
    from cli.store_options import store_target
    from cli.user_errors import confirm_or_stop, describe
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
        if message_id and not all(one.strip() for one in message_id):
            raise ValueError("--id is empty; give the id of a message")
        target = store_target(data_dir, models_dir, model, store_backend, qdrant_url)
        manifest, _ = read_model_folder(target.model_folder, verify=False)
        state_dir = target.data_dir / "clusters"
        # the store is opened (it exists, no other process holds it) before the question is asked
        with open_store(target.backend, dimension=manifest.dimension, create=False,  # type: ignore[arg-type]
                        **target.options) as store:
            if not yes:
                confirm_or_stop(_question(customer, limit, message_id), "erase")
            erasure = (erase_ids(store, state_dir, message_id) if message_id
                       else erase_where(store, state_dir, customer_id=customer, before=limit))
    except StoreLockedError as error:
        held = describe(error).partition(";")[0]
        call = _service_call(customer, limit, message_id)
        typer.echo(f"error: {held}; ask the service that holds it instead: {call}", err=True)
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


def _service_call(customer: str | None, limit: datetime | None, ids: list[str] | None) -> str:
    """The request that makes the service erase the same messages, ready to paste into a shell."""
    from core.settings import get_settings

    settings = get_settings()
    base = f"http://{settings.host}:{settings.port}"
    auth = "-H 'authorization: Bearer TOKEN'"
    if ids:
        return "; ".join(f"curl -X DELETE {auth} {shlex.quote(f'{base}/v1/messages/{quote(one, safe=str())}')}"
                         for one in ids)
    body = {"customer_id": customer} if customer is not None else {}
    body = {**body, **({"before": limit.isoformat()} if limit is not None else {})}
    return (f"curl -X POST {auth} -H 'content-type: application/json' {base}/v1/admin/erase "
            f"-d {shlex.quote(json.dumps(body, ensure_ascii=False))}")
