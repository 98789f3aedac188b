"""Personal data kept out of what the service writes: log records and error messages.

Request bodies are redacted by the analyser before anything is stored; what remains is
what the service itself echoes — paths and query strings in uvicorn's access log, ids in
error messages, exception texts in tracebacks. :func:`redact` cleans one string and
:class:`RedactingFilter` cleans every record of the loggers it is installed on.
"""

from __future__ import annotations

import logging
import traceback
from functools import lru_cache
from typing import Any
from urllib.parse import unquote_plus

LOGGERS = ("uvicorn", "uvicorn.access", "uvicorn.error", "fastapi")


@lru_cache(maxsize=1)
def _redactor() -> Any:
    from privacy.redact import PiiRedactor

    return PiiRedactor()


def redact(text: str) -> str:
    """``text`` with phones, e-mails, cards and other personal data replaced by placeholders."""
    cleaned = _redactor().redact(text).text
    decoded = unquote_plus(cleaned)
    if decoded == cleaned:
        return cleaned
    # personal data hidden by URL encoding (%40 for @, + for a space) is found in the decoded
    # form; otherwise the text is returned as it was written
    found = _redactor().redact(decoded)
    return found.text if found.kinds else cleaned


class RedactingFilter(logging.Filter):
    """Redacts a record's message, its string arguments (keeping their positions) and its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in record.args.items()}
        if record.exc_info and not record.exc_text:
            record.exc_text = redact("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return True


def install_log_redaction() -> None:
    """Adds the filter once to the server's loggers (idempotent)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactingFilter) for f in logger.filters):
            logger.addFilter(RedactingFilter())
