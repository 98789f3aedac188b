"""Reading the rows of a CSV or JSON-lines file, with one clear error per way a file can be unusable.

Files must be UTF-8; a byte-order mark (Excel's "CSV UTF-8") is skipped. ``.jsonl`` and
``.ndjson`` (in any case) are JSON lines, one object per line; ``.json`` is refused; anything
else is CSV with a header row. What could be read two ways is refused naming the line: a
column named twice, a key given twice, a row with more fields than the header, an open quote.
"""

from __future__ import annotations

import csv
import io
import json
from contextlib import contextmanager
from pathlib import Path

from core.errors import VocError
from core.text import not_utf8_at

JSON_LINES_SUFFIXES = (".jsonl", ".ndjson")
BOM = b"\xef\xbb\xbf"


class DataError(VocError, ValueError):
    """A training or evaluation file that cannot be used as given."""


def read_rows(path: Path) -> tuple[list[str], list[dict]]:
    """The file's columns (in order of appearance) and its rows as dictionaries."""
    path = Path(path)
    if not path.is_file():
        raise DataError(f"{path}: no such file")
    if path.suffix.lower() == ".json":
        raise DataError(f"{path}: a .json file is not read; give JSON lines named .jsonl or .ndjson "
                        "(one object per line), or CSV with a header row")
    text = _read_utf8(path)
    if not text.strip():
        raise DataError(f"{path}: the file is empty")
    if path.suffix.lower() in JSON_LINES_SUFFIXES:
        return _json_lines(path, text)
    return _csv(path, text)


def _read_utf8(path: Path) -> str:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise DataError(f"{path}: cannot read the file ({error.strerror or error})") from error
    skipped = len(BOM) if raw.startswith(BOM) else 0
    try:
        return raw[skipped:].decode("utf-8")
    except UnicodeDecodeError as error:
        byte, offset, line = not_utf8_at(raw, error, skipped)
        source, convert = ("UTF-16", "utf-16") if _utf16(raw) else ("Windows-1251", "cp1251")
        raise DataError(f"{path}: not UTF-8 (byte 0x{byte:02x} at byte offset {offset}, line {line}); "
                        "the file must be UTF-8: save it as 'CSV UTF-8' or convert it "
                        f"(from {source}: iconv -f {convert} -t utf-8)") from error


def _utf16(raw: bytes) -> bool:
    """Whether the bytes look like UTF-16 (Excel's "Unicode text"): its byte-order mark, or a zero byte in
    every other position of the first characters."""
    head = raw[:200]
    return raw.startswith((b"\xff\xfe", b"\xfe\xff")) or (len(head) >= 4 and (
        head[1::2].count(0) > len(head) // 4 or head[0::2].count(0) > len(head) // 4))


def _json_lines(path: Path, text: str) -> tuple[list[str], list[dict]]:
    rows: list[dict] = []
    columns: dict[str, None] = {}
    for number, line in enumerate(text.split("\n"), start=1):  # not splitlines(): JSON strings may hold U+2028
        if not line.strip():
            continue
        try:
            row = json.loads(line, object_pairs_hook=_unique_keys)
        except json.JSONDecodeError as error:
            raise DataError(f"{path}: line {number} is not JSON ({error.msg} at column {error.colno})") from error
        except _RepeatedKeys as error:
            raise DataError(f"{path}: line {number} gives the key(s) {error.args[0]} more than once") from None
        if not isinstance(row, dict):
            raise DataError(f"{path}: line {number} holds a JSON {type(row).__name__}, "
                            f"not an object with the columns")
        columns.update(dict.fromkeys(row))
        rows.append(row)
    return list(columns), rows


class _RepeatedKeys(ValueError):
    pass


def _unique_keys(pairs: list[tuple[str, object]]) -> dict:
    row = dict(pairs)
    if len(row) != len(pairs):  # JSON keeps the last of two equal keys silently
        keys = [key for key, _ in pairs]
        raise _RepeatedKeys(sorted({key for key in keys if keys.count(key) > 1}))
    return row


def _csv(path: Path, text: str) -> tuple[list[str], list[dict]]:
    with _field_limit(len(text)):
        return _csv_rows(path, text)


@contextmanager
def _field_limit(size: int):
    """The csv module's field size limit raised to ``size`` (its default, 131072 characters, would call a
    long message invalid CSV); restored afterwards."""
    previous = csv.field_size_limit()
    csv.field_size_limit(max(previous, size))
    try:
        yield
    finally:
        csv.field_size_limit(previous)


def _csv_rows(path: Path, text: str) -> tuple[list[str], list[dict]]:
    # strict: a quote left open is an error, not a field that swallows the rows after it
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[dict] = []
    try:
        columns = next(reader, [])
        repeated = sorted({name for name in columns if name and columns.count(name) > 1})
        if repeated:
            raise DataError(f"{path}: the header names the column(s) {repeated} more than once; "
                            "which one is meant is unclear, so rename the others")
        for fields in reader:
            if not fields:
                continue
            if len(fields) > len(columns) and any(field.strip() for field in fields[len(columns):]):
                raise DataError(f"{path}: line {reader.line_num} has {len(fields)} fields but the header has "
                                f"{len(columns)}; a text with a comma must be in double quotes")
            rows.append(dict(zip(columns, fields)))  # cells missing at the end of a row are empty
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num} is not valid CSV ({error})") from error
    if not rows:
        raise DataError(f"{path}: the file has a header ({', '.join(columns)}) but no data rows")
    return columns, rows
