"""`voc evaluate`: measure the product on a labelled file against a baseline of the same run."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from core.errors import VocError
from core.settings import get_settings

app = typer.Typer(help="Evaluate topics, sentiment, routing and clusters on labelled data.", no_args_is_help=True)

Data = Annotated[Path, typer.Option(help="Labelled CSV or JSON-lines file.", exists=True, dir_okay=False)]
TextCol = Annotated[str, typer.Option(help="Column with the message text.")]
LabelCol = Annotated[str, typer.Option(help="Column with the label.")]
Out = Annotated[Path, typer.Option(help="Folder for report.json, report.md and plots.")]
Model = Annotated[str | None, typer.Option(help="Embedding model (default VOC_MODEL).")]
Cache = Annotated[Path | None, typer.Option(help="Keep message vectors here and reuse them in later runs.")]
Head = Annotated[Path | None, typer.Option(
    "--head", help="Sentiment head folder written by 'voc train sentiment' (default: the model's shipped head).")]


def _run(call, **kwargs) -> None:
    """Run one evaluation with progress on stderr; the product's errors become one 'error:' line."""
    from cli.progress import Progress
    from training.output import removed_on_failure

    settings = get_settings()
    try:
        with removed_on_failure(kwargs["out"]), Progress() as progress:
            call(model=kwargs.pop("model") or settings.model, models_dir=settings.models_dir,
                 max_tokens=settings.max_tokens,
                 cache_dir=kwargs.pop("cache"), log=progress.log, progress=progress.update, **kwargs)
    except VocError as error:
        from cli.user_errors import one_line

        typer.echo(f"error: {one_line(str(error))}", err=True)  # e.g. a YAML parser's own message
        raise typer.Exit(2) from error


def _refuse_blank(**columns: str | None) -> None:
    """Refuse a column option given as an empty name, or naming the column another one names."""
    from cli.user_errors import blank_option, same_column

    extra = {name: value for name, value in columns.items() if name not in ("text_col", "label_col")}
    message = blank_option(**columns) or same_column(**extra, text_col=columns["text_col"],
                                                     label_col=columns["label_col"])
    if message:
        typer.echo(f"error: {message}", err=True)
        raise typer.Exit(2)


@app.command("topics")
def topics(data: Data, text_col: TextCol, label_col: LabelCol, out: Out,
           owner_col: Annotated[str | None, typer.Option(help="Column with the owner, for owner accuracy.")] = None,
           split_col: Annotated[str | None, typer.Option(help="Column with train/test.")] = None,
           cv: Annotated[int | None, typer.Option(
               help="K-fold cross-validation instead of a split (default 5 folds; at least 2, at most the rows).")]
           = None,
           taxonomy: Annotated[Path | None, typer.Option(help="Zero-shot from this taxonomy (no training).")] = None,
           unknown_label: Annotated[str | None, typer.Option(help="Label of out-of-taxonomy rows.")] = None,
           learn_unknown: Annotated[bool, typer.Option(
               help="Learn the training folds' out-of-taxonomy rows as a background class (as voc train topics "
                    "--unknown-label does); without it the unknown answer never sees one.")] = False,
           outside_from: Annotated[Path | None, typer.Option(
               help="A taxonomy YAML whose 'outside' examples (messages no topic covers) answer unknown in each fold "
                    "too, as a taxonomy's own do when served (with --cv or --split-col and --unknown-label; "
                    "zero-shot reads --taxonomy's own).", exists=True, dir_okay=False)] = None,
           model: Model = None, cache: Cache = None) -> None:
    """Topic assignment: accuracy, macro-F1, per class, owner accuracy, unknown detection."""
    from evaluation.topics_eval import evaluate_topics

    _refuse_blank(text_col=text_col, label_col=label_col, owner_col=owner_col, split_col=split_col)
    if split_col and cv is not None:
        typer.echo("error: give --split-col or --cv, not both", err=True)
        raise typer.Exit(2)
    if learn_unknown and not unknown_label:
        typer.echo("error: --learn-unknown needs --unknown-label (which rows are out of the taxonomy)", err=True)
        raise typer.Exit(2)
    _run(evaluate_topics, data=data, text_col=text_col, label_col=label_col, out=out, owner_col=owner_col,
         split_col=split_col, cv=cv, taxonomy=taxonomy, unknown_label=unknown_label, learn_unknown=learn_unknown,
         outside_from=outside_from, model=model, cache=cache)


@app.command("sentiment")
def sentiment(data: Data, text_col: TextCol, label_col: LabelCol, out: Out,
              split_col: Annotated[str | None, typer.Option(
                  help="Column with train/test: a head is trained on the train rows and scored on the test rows "
                       "(with --head: that head is scored on the test rows).")] = None,
              label_map: Annotated[list[str] | None, typer.Option(help="FROM=TO, e.g. pos=positive.")] = None,
              head: Head = None, model: Model = None, cache: Cache = None) -> None:
    """Sentiment: macro-F1, negative recall and F1 (--head, the shipped head, or one trained on the split).

    With --head the head is scored as is: on the test rows with --split-col, else on every row."""
    from cli.train_sentiment import parse_label_map
    from evaluation.sentiment_eval import evaluate_sentiment

    _refuse_blank(text_col=text_col, label_col=label_col, split_col=split_col)
    try:
        mapping = parse_label_map(label_map)
    except ValueError as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(2) from error
    _run(evaluate_sentiment, data=data, text_col=text_col, label_col=label_col, out=out, split_col=split_col,
         label_map=mapping or None, head_dir=head, model=model, cache=cache)


@app.command("routing")
def routing(data: Data, text_col: TextCol, label_col: LabelCol, out: Out,
            positive: Annotated[str, typer.Option(help="The label that should come first in the queue.")],
            head: Head = None, model: Model = None, cache: Cache = None) -> None:
    """Routing: ROC-AUC of the priority order and the share of positives in the top 20%."""
    from evaluation.routing_eval import evaluate_routing

    _refuse_blank(text_col=text_col, label_col=label_col)
    _run(evaluate_routing, data=data, text_col=text_col, label_col=label_col, positive=positive, out=out,
         head_dir=head, model=model, cache=cache)
