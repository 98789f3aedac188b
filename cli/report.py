"""``voc report debt``: topics and unmapped clusters ranked by client debt, each component shown.

Works without the service: it opens the store itself (only an existing one: a mistyped data
folder is an error, and nothing is created there). The embedded store belongs to one process,
so while the service runs on the same data folder the command says so and points at
``GET /v1/report/debt`` instead.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from cli.store_options import DataDir, Model, ModelsDir, QdrantUrl, StoreBackend
from core.errors import VocError

app = typer.Typer(help="Reports over the stored messages.", no_args_is_help=True)

COMPONENTS = ("volume", "share", "repeat", "negative", "rating", "complaints", "growth")


@app.command("debt")
def debt(
    period: Annotated[str | None, typer.Option(help="Span back from --until: 30d, 7d, 12h. Default 30d unless "
                                                    "--since is given.")] = None,
    since: Annotated[str | None, typer.Option(help="Period start, an ISO date/time (UTC if no zone).")] = None,
    until: Annotated[str, typer.Option(help="Period end (excluded): 'now' or an ISO date/time.")] = "now",
    orders: Annotated[Path | None, typer.Option(help="CSV with 'date' and 'orders' columns (orders per day): adds "
                                                     "contacts per 1,000 orders.")] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the whole report as JSON instead of a table.")] = (
        False),
    limit: Annotated[int, typer.Option(min=1, help="Rows to show.")] = 20,
    data_dir: DataDir = None,
    models_dir: ModelsDir = None,
    model: Model = None,
    taxonomy: Annotated[Path | None, typer.Option(help="Taxonomy YAML for topic names. Default: VOC_TAXONOMY, "
                                                       "else the shipped one.", show_default=False)] = None,
    store_backend: StoreBackend = None,
    qdrant_url: QdrantUrl = None,
) -> dict[str, Any]:
    """Rank topics and unmapped clusters of a period by client debt (volume, share, repeat contacts,
    negative share, rating, complaints, growth)."""
    from cli.progress import Progress
    from cli.store_options import store_target
    from cli.user_errors import describe
    from embeddings.model_folder import read_model_folder
    from jobs.debt_report import debt_report, read_order_counts
    from jobs.timespan import is_span, parse_window
    from store import StoreLockedError, open_store
    from workbench.decisions import decisions_in

    try:
        if period and since:
            raise ValueError("give --period or --since, not both")
        if period and not is_span(period):
            raise ValueError(f"--period: expected a span like 30d or 12h, got {period!r}")
        start, end = parse_window(since or period or "30d", until,
                                  names=("--since" if since else "--period", "--until"))
        order_count = read_order_counts(orders, start, end) if orders else None
        target = store_target(data_dir, models_dir, model, store_backend, qdrant_url)
        manifest, _ = read_model_folder(target.model_folder, verify=False)
        names, owners = _topic_names_and_owners(taxonomy or target.taxonomy)
        with (open_store(target.backend, dimension=manifest.dimension, create=False,  # type: ignore[arg-type]
                         **target.options) as store,
              Progress() as progress):
            report = debt_report(store, target.data_dir / "clusters", start, end, orders=order_count, topic_names=names,
                                 topic_owners=owners, limit=limit, decisions=decisions_in(target.data_dir),
                                 progress=lambda done, total: progress.update("read", done, total))
    except StoreLockedError as error:
        query = _query(None if since else period or "30d", start, end, until)
        held = describe(error).partition(";")[0]  # where and by which process, without the generic advice
        typer.echo(f"error: {held}; ask the process that holds it (the service) instead: curl -H "
                   f"'authorization: Bearer TOKEN' 'localhost:8000/v1/report/debt?{query}'", err=True)
        raise typer.Exit(3) from error
    except (VocError, ValueError) as error:
        typer.echo(f"error: {describe(error)}", err=True)
        raise typer.Exit(2) from error
    if json_out:
        typer.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        typer.echo(render_table(report))
    return report


def render_table(report: dict[str, Any]) -> str:
    lines = [f"client debt {_utc_minute(report['since'])} … {_utc_minute(report['until'])} UTC: "
             f"{report['contacts']} contacts, {report['groups']} groups, cluster run {report['run_id'] or 'none'}"]
    if not report["rows"]:
        return lines[0] + "\nno messages in this period"
    per_orders = report["orders"] is not None
    header = ["#", "score", "kind", "name", "owner", "contacts", "% contacts", *COMPONENTS]
    if per_orders:
        header.append("per 1k orders")
    table = [header]
    for row in report["rows"]:
        cells = [str(row["rank"]), f"{row['score']:.1f}", row["kind"], _cut(row["name"], 40), row["owner"] or "-",
                 str(row["contacts"]), f"{row['share_of_contacts']:.1%}",
                 *(f"{row['components'][c]:.2f}" for c in COMPONENTS)]
        if per_orders:
            cells.append(f"{row['contacts_per_1000_orders']:.2f}")
        table.append(cells)
    widths = [max(len(r[i]) for r in table) for i in range(len(header))]
    lines += ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in table]
    lines.append("score = 100 × Σ weight × component / Σ weight; weights " +
                 ", ".join(f"{k} {v:g}" for k, v in report["weights"].items()))
    return "\n".join(lines)


def _query(span: str | None, start: datetime, end: datetime, until: str) -> str:
    """The service's query for the same period."""
    first = f"period={span}" if span else f"since={_zulu(start)}"
    return first if until.strip().lower() == "now" else f"{first}&until={_zulu(end)}"


def _zulu(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _utc_minute(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M")


def _topic_names_and_owners(taxonomy: Path | None) -> tuple[dict[str, str], dict[str, str | None]]:
    from topics.taxonomy import load_taxonomy

    topics = load_taxonomy(taxonomy).topics
    return {topic.id: topic.name for topic in topics}, {topic.id: topic.owner for topic in topics}


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
