"""Time windows from the command line or a query: spans back from an end ("30d", "12h") or ISO dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FUTURE_TOLERANCE = timedelta(days=1)  # clocks of the systems that send messages may run ahead


def parse_window(since: str, until: str, now: datetime | None = None,
                 names: tuple[str, str] | None = None) -> tuple[datetime, datetime]:
    """(start, end) from "30d" / "12h" / an ISO date or time, and "now" / an ISO date or time.

    With ``names`` (e.g. the options ``("--since", "--until")``) each message starts with the name
    of the value that is wrong."""
    since_name, until_name = (f"{name}: " for name in names) if names else ("", "")
    now = now or datetime.now(UTC)
    try:
        end = now if until.strip().lower() == "now" else parse_moment(until)
    except ValueError:
        raise ValueError(f"{until_name}expected 'now' or an ISO date/time; got {until!r}") from None
    if end > now + FUTURE_TOLERANCE:
        raise ValueError(f"{until_name}{end.isoformat()} is in the future; a window ends by now (within a day "
                         "of it), or its most recent days would hold no messages and every growth would look "
                         "like a fade")
    try:
        start = span_start(end, since) if is_span(since) else parse_moment(since)
    except ValueError as error:
        raise ValueError(f"{since_name}{error}") from None
    if start >= end:
        raise ValueError(f"{since_name}the window is empty: {start.isoformat()} is not before "
                         f"{names[1] + ' ' if names else ''}{end.isoformat()}")
    return start, end


def is_span(text: str) -> bool:
    """Whether ``text`` is a span back in days or hours: "30d", "12h"."""
    text = text.strip().lower()
    return text[:-1].isdigit() and text[-1:] in ("d", "h")


def span_start(end: datetime, span: str) -> datetime:
    """The moment `span` ("30d", "12h") before `end`; ValueError when it falls outside the calendar."""
    text = span.strip().lower()
    if not is_span(text):
        raise ValueError(f"expected a span like 30d or 12h; got {span!r}")
    try:
        return end - timedelta(**{"days" if text.endswith("d") else "hours": int(text[:-1])})
    except OverflowError:
        raise ValueError(f"the span {span!r} before {end.isoformat()} falls outside the calendar") from None


def parse_moment(text: str) -> datetime:
    """An ISO date or date-time; UTC when it names no zone."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(f"expected a span like 30d or 12h, or an ISO date/time; got {text!r}") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
