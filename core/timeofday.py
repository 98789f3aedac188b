"""A time of day in the settings: ``HH:MM`` in UTC, or ``off``."""

from __future__ import annotations

from datetime import UTC, time

OFF = "off"


def parse_daily_at(value: str) -> time | None:
    """``HH:MM`` (UTC) as a time of day, None for ``off``; ValueError for anything else."""
    text = value.strip().lower()
    if text == OFF:
        return None
    try:
        hours, minutes = text.split(":")
        if not (hours.isdigit() and minutes.isdigit()) or len(hours) not in (1, 2) or len(minutes) != 2:
            raise ValueError
        return time(int(hours), int(minutes), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"expected a UTC time of day as HH:MM (e.g. 02:30), or 'off'; got {value!r}") from None
