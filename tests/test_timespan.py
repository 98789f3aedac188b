"""Windows of the nightly job and the reports: spans, ISO moments, and the refusals."""

from datetime import UTC, datetime, timedelta

import pytest

from jobs.timespan import parse_window

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def test_a_span_back_from_now_and_iso_moments():
    assert parse_window("30d", "now", now=NOW) == (NOW - timedelta(days=30), NOW)
    start, end = parse_window("2026-11-01", "2026-11-02T00:00:00+03:00", now=NOW)
    assert start == datetime(2026, 11, 1, tzinfo=UTC) and end == datetime(2026, 11, 1, 21, tzinfo=UTC)


def test_an_end_within_a_day_ahead_is_taken_for_clock_skew():
    assert parse_window("7d", "2026-12-07T06:00:00Z", now=NOW)[1] == datetime(2026, 12, 7, 6, tzinfo=UTC)


@pytest.mark.parametrize("until", ["2100-01-01", "2026-12-08T00:00:00Z"])
def test_an_end_in_the_future_is_refused_naming_the_option(until):
    with pytest.raises(ValueError, match="--until: .* is in the future"):
        parse_window("2026-01-01", until, now=NOW, names=("--since", "--until"))


@pytest.mark.parametrize(("since", "until", "words"), [
    ("2026-12-01", "2026-11-01", "--since: the window is empty"),
    ("soon", "now", "--since: expected"),
    ("30d", "later", "--until: expected 'now'"),
])
def test_bad_windows_name_the_option(since, until, words):
    with pytest.raises(ValueError, match=words):
        parse_window(since, until, now=NOW, names=("--since", "--until"))
