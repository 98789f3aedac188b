"""The user's mistakes a command may leave uncaught, as the one ``error:`` line every command prints."""

from __future__ import annotations

from core.errors import VocError
from core.settings import settings_error_message


def one_line(text: str) -> str:
    """A message on one line (a parser's own message may span several)."""
    return " ".join(line.strip() for line in str(text).splitlines() if line.strip())


def user_error_message(error: BaseException) -> str | None:
    """What to print after ``error:`` for a bad VOC_* value, a product error, or a file that cannot
    be read or written; None for anything else (a bug, whose traceback should be seen)."""
    message = settings_error_message(error)
    if message is not None:
        return message
    if isinstance(error, VocError):
        return one_line(str(error))
    if isinstance(error, OSError) and error.filename:
        return f"{error.filename}: {error.strerror or error}"
    return None


def describe(error: BaseException) -> str:
    """The one line to print after ``error:`` for an error a command caught."""
    return user_error_message(error) or one_line(str(error))


def blank_option(**options: str | None) -> str | None:
    """The error for the first option given as an empty or blank name (``--split-col ""``), which would
    otherwise read as the option left out; None when every given option names something."""
    for name, value in options.items():
        if value is not None and not value.strip():
            return f"--{name.replace('_', '-')} is empty; give the name of a column of the file"
    return None


def same_column(**options: str | None) -> str | None:
    """The error for two column options that name the same column (``--owner-col text``: every message
    its own owner), which no command means; None when each names its own column."""
    given = [(name, value.strip()) for name, value in options.items() if value is not None]
    for position, (name, value) in enumerate(given):
        for other, other_value in given[position + 1:]:
            if value == other_value:
                return (f"--{name.replace('_', '-')} and --{other.replace('_', '-')} are both {value!r}: "
                        f"each must name a column of its own")
    return None


def confirm_or_stop(question: str, verb: str) -> None:
    """Ask ``question`` on stderr; a no ends the command with code 1, no answer at all (no terminal and
    no --yes) with one error line and code 2. ``verb``: what --yes does without asking ("erase")."""
    import typer

    try:
        answer = typer.confirm(question, err=True)
    except typer.Abort:
        typer.echo("", err=True)
        typer.echo(f"error: no answer, nothing {verb}d; give --yes to {verb} without being asked", err=True)
        raise typer.Exit(2) from None
    if not answer:
        raise typer.Exit(1)
