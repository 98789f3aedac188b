"""``voc``: the command line of VOC Radar. Each sub-command group lives in its own module."""

from __future__ import annotations

import typer

from cli import clusters as clusters_cmd
from cli import demo as demo_cmd
from cli import embed as embed_cmd
from cli import erase as erase_cmd
from cli import evaluate as evaluate_cmd
from cli import models as models_cmd
from cli import report as report_cmd
from cli import serve as serve_cmd
from cli import store_cmd
from cli import train as train_cmd
from cli import train_sentiment as train_sentiment_cmd

app = typer.Typer(
    name="voc",
    help="VOC Radar: topics with owners, sentiment, emerging clusters and priority for customer messages.",
    no_args_is_help=True,
    add_completion=False,
    epilog="Examples: voc embed \"Курьер опоздал\" · voc demo · voc models list · voc erase --customer c-1042 · "
           "voc COMMAND --help for each command's options. Settings: VOC_* variables (see README.md).",
)
app.command("embed")(embed_cmd.embed)
app.command("serve")(serve_cmd.serve)
app.command("recluster")(clusters_cmd.recluster)
app.command("demo")(demo_cmd.demo)
app.add_typer(models_cmd.app, name="models")
train_cmd.app.command("sentiment")(train_sentiment_cmd.sentiment)
app.add_typer(train_cmd.app, name="train")
app.add_typer(report_cmd.app, name="report")
app.command("erase")(erase_cmd.erase)
app.add_typer(store_cmd.app, name="store")
evaluate_cmd.app.command("clusters")(clusters_cmd.evaluate_clusters)
app.add_typer(evaluate_cmd.app, name="evaluate")


def main(argv: list[str] | None = None) -> None:
    """The ``voc`` console script: ``app`` with the user's mistakes printed as one ``error:`` line instead
    of a traceback or a framed box: a bad option or argument (exit code 2, naming it and the command's
    --help), and what a command leaves uncaught (a bad VOC_* value, a product error, a file that cannot
    be read or written; exit code 2)."""
    from cli.user_errors import one_line, user_error_message

    try:
        result = app(args=argv, prog_name="voc", standalone_mode=False)
    except typer.TyperException as error:  # typer's click: a usage error (a bad option or argument) or like it
        code = getattr(error, "exit_code", 2)
        if type(error).__name__ == "NoArgsIsHelpError":  # the help is printed already
            raise SystemExit(code) from None
        context = getattr(error, "ctx", None)
        where = f" (see '{context.command_path} --help')" if context is not None else ""
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        typer.echo(f"error: {one_line(message)}{where}", err=True)
        raise SystemExit(code) from None
    except typer.Abort:
        typer.echo("Aborted!", err=True)
        raise SystemExit(1) from None
    except Exception as error:
        described = user_error_message(error)
        if described is None:
            raise
        typer.echo(f"error: {described}", err=True)
        raise SystemExit(2) from None
    # a command's own exit code, or 0 when it ends (some commands return what they did, for tests)
    raise SystemExit(result if isinstance(result, int) and not isinstance(result, bool) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
