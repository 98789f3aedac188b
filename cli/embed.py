"""`voc embed`: vectors for texts from the command line or from standard input (one text a line)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from typing import IO, TYPE_CHECKING, Annotated, NoReturn

import typer

from core.errors import InvalidTextError, ModelError
from core.settings import get_settings
from core.text import not_utf8_at

if TYPE_CHECKING:
    import numpy as np

CHUNK = 64  # texts per embedding call; the vectors do not depend on it (batch invariance)
PROGRESS_FROM = 2 * CHUNK  # fewer texts than this finish without progress lines
BOM = "\ufeff"
LINE_BREAKS = dict.fromkeys(map(ord, "\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"), " ")


def embed(
    texts: Annotated[list[str] | None, typer.Argument(
        help="Texts to embed (quote each one). None, or '-', reads standard input: one text a line (UTF-8).",
        show_default=False)] = None,
    model: Annotated[
        str | None, typer.Option(help="Built-in model name or model folder; default from VOC_MODEL.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON array of {text, vector}.")] = False,
) -> None:
    """Embed TEXTS and print each one's dimension and norm (or the vectors with --json).

    Examples:

      voc embed "Курьер опоздал" "Where is my refund?"

      voc embed --json "Курьер опоздал" > vectors.json

      voc embed --json - < messages.txt > vectors.json   (one text a line; progress on stderr)
    """
    from cli.progress import Progress
    from embeddings.loader import load_embedder

    try:
        texts = _texts(texts)
    except InvalidTextError as error:
        _fail(str(error))
    settings = get_settings()
    try:
        embedder = load_embedder(
            model or settings.model,
            settings.models_dir,
            providers=settings.providers,
            threads=settings.intra_op_threads,
            spinning=settings.intra_op_spinning,
            batch_size=settings.embed_batch_size,
            max_tokens=settings.max_tokens,
        )
        vectors: list[np.ndarray] = []
        with Progress() as progress:
            for start in range(0, len(texts), CHUNK):
                vectors.extend(embedder.embed(texts[start : start + CHUNK]))
                if len(texts) >= PROGRESS_FROM:
                    progress.update("embed", len(vectors), len(texts))
    except (InvalidTextError, ModelError) as error:
        _fail(str(error))
    if as_json:
        output = json.dumps(
            [{"text": text, "vector": [round(float(x), 7) for x in vector]} for text, vector in zip(texts, vectors)],
            ensure_ascii=False,
        ) + "\n"
    else:
        output = "".join(f"dim={vector.shape[0]} norm={float((vector**2).sum() ** 0.5):.4f}  {_preview(text)}\n"
                         for text, vector in zip(texts, vectors))
    _write(output, sys.stdout)


def _texts(given: list[str] | None) -> list[str]:
    """The texts to embed: the arguments, or the lines of standard input when there are none or only '-'."""
    if given and given != ["-"]:
        for number, text in enumerate(given, 1):
            try:
                text.encode("utf-8")
            except UnicodeEncodeError:  # argv bytes that are not UTF-8 arrive as lone surrogates
                raise InvalidTextError(f"TEXT {number} is not UTF-8 (another encoding, e.g. cp1251?); convert it, "
                                       "or pipe the texts through 'iconv -f cp1251 -t utf-8 | voc embed -'") from None
        return given
    if not given and sys.stdin.isatty():
        raise InvalidTextError("give TEXTS to embed, or '-' and one text a line on standard input "
                               "(see voc embed --help)")
    return read_lines(sys.stdin.buffer)


def read_lines(stream: IO[bytes]) -> list[str]:
    """One text per line of a UTF-8 stream (a byte-order mark and CRLF line ends are fine); a blank line,
    bytes that are not UTF-8 and an empty stream are refused naming the line."""
    raw = stream.read()
    try:
        content = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        byte, offset, line_number = not_utf8_at(raw, error)
        raise InvalidTextError(f"stdin line {line_number}: not UTF-8 (byte 0x{byte:02x} at byte offset {offset}); "
                               "convert it first, e.g. iconv -f cp1251 -t utf-8") from None
    content = content.removeprefix(BOM)
    lines = content.split("\n")  # not splitlines(): a text may hold U+2028 or a form feed
    if lines and lines[-1] == "":
        lines.pop()  # the line break that ends the last line
    lines = [line.removesuffix("\r") for line in lines]
    if not lines:
        raise InvalidTextError("stdin: no text; give one text a line")
    for number, line in enumerate(lines, 1):
        if not line.strip():
            raise InvalidTextError(f"stdin line {number} is empty or only whitespace; give one text a line")
    return lines


def _preview(text: str) -> str:
    """The start of a text on one line (the plain output is one line a text): line breaks become spaces."""
    return text[:60].translate(LINE_BREAKS)


def _write(output: str, stream: IO[str]) -> None:
    """All of the output at once; a closed pipe ends quietly, a failed write is one error line."""
    try:
        stream.write(output)
        stream.flush()
    except BrokenPipeError:
        with contextlib.suppress(OSError, ValueError):  # the reader went away (`| head`): nothing more to flush
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())
        raise typer.Exit(141) from None
    except OSError as error:
        typer.echo(f"error: cannot write the output: {error.strerror or error}", err=True)
        raise typer.Exit(1) from None


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)
