"""`voc demo`: a demo data set in a fresh store, analysed and clustered, ready for the notebook."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from core.errors import VocError


def demo(
    data: Annotated[Path | None, typer.Option(help="UTF-8 CSV or JSON-lines file (or a folder with one); the "
                                                   "built-in synthetic sample when omitted.")] = None,
    text_col: Annotated[str, typer.Option(help="Column with the message text.")] = "text",
    date_col: Annotated[str | None, typer.Option(help="Column with the date/time (ISO); found among created_at, "
                                                      "date_utc, date, timestamp when omitted. Without one every "
                                                      "message is dated at loading time.")] = None,
    id_col: Annotated[str | None, typer.Option(help="Column with a row id (id, message_id, tweet_id if omitted).")
                      ] = None,
    limit: Annotated[int | None, typer.Option(min=10, help="Load at most this many rows, evenly spaced.")] = None,
    data_dir: Annotated[Path, typer.Option(help="A new folder for the demo store (an earlier demo there is "
                                                "replaced once everything else is checked, but not while a service "
                                                "has its store open; other non-empty folders are refused).")
                        ] = Path("var/demo"),
    model: Annotated[str, typer.Option(help="Embedding model: built-in name or model folder.")] = "e5-small",
    models_dir: Annotated[Path, typer.Option(help="Where built model folders live.")] = Path("var/models"),
    min_cluster_size: Annotated[int, typer.Option(min=2, help="Smallest group the clustering reports.")] = 10,
) -> dict[str, Any]:
    """Load a demo data set into a fresh store (each message through the normal pipeline) and cluster it.

    The same data gives the same clusters and statuses in every run:
    the clustering window ends with the last message, not at the time of the run.
    Only dates move: the built-in sample is dated back from today,
    and a file without dates is dated at loading time.

    Then open notebooks/review_clusters.ipynb (local mode on --data-dir), or run
    `VOC_DATA_DIR=var/demo voc serve` and point the notebook at the service.
    Progress goes to stderr; an interrupted or failed load leaves the earlier demo as it was.

    Examples:

      voc demo                                            (the built-in sample into var/demo)

      voc demo --data tweets.csv --date-col date_utc --limit 2000 --data-dir var/tweets
    """
    from cli.user_errors import describe
    from workbench.demo_data import demo_messages
    from workbench.demo_loader import load_demo
    from workbench.demo_source import evenly_spaced, read_rows

    log = lambda line: typer.echo(line, err=True)  # noqa: E731
    try:
        if data is None:
            rows = evenly_spaced(demo_messages(), limit)
            log(f"built-in DEMO sample: {len(rows)} synthetic messages over five weeks")
        else:
            rows = read_rows(data, text_col, date_col, id_col, limit)
            log(f"{data}: {len(rows)} messages")
        summary = load_demo(data_dir, rows, model=model, models_dir=models_dir, min_cluster_size=min_cluster_size,
                            log=log)
    except VocError as error:
        typer.echo(f"error: {describe(error)}", err=True)
        raise typer.Exit(2) from error
    typer.echo(f"demo ready in {data_dir}: {summary['messages']} messages, {summary['clusters']} clusters "
               f"({summary['run_id']}), statuses {summary['statuses']}, {summary['seconds']['total']} s")
    typer.echo("next: open notebooks/review_clusters.ipynb (it reads VOC_DEMO_DIR, default var/demo)")
    return summary
