"""The daily re-clustering run the service starts itself (VOC_RECLUSTER_DAILY_AT)."""

import threading
import time as clock
from datetime import UTC, datetime, time, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from core.timeofday import parse_daily_at
from service.nightly import NightlySchedule, next_run


@pytest.mark.parametrize(("text", "expected"), [("02:30", time(2, 30, tzinfo=UTC)), ("7:05", time(7, 5, tzinfo=UTC)),
                                                (" off ", None), ("OFF", None)])
def test_a_daily_time_reads_as_hh_mm_utc_or_off(text, expected):
    assert parse_daily_at(text) == expected


@pytest.mark.parametrize("text", ["24:00", "2:3", "0230", "", "-1:30", "02:30:00", "noon", "02:6O"])
def test_anything_else_is_refused_with_the_expected_form(text):
    with pytest.raises(ValueError, match="HH:MM"):
        parse_daily_at(text)


def test_the_next_run_is_today_until_its_time_then_tomorrow():
    at = time(2, 30, tzinfo=UTC)
    assert next_run(datetime(2026, 12, 7, 1, 0, tzinfo=UTC), at) == datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    assert next_run(datetime(2026, 12, 7, 2, 30, tzinfo=UTC), at) == datetime(2026, 12, 8, 2, 30, tzinfo=UTC)
    assert next_run(datetime(2026, 12, 31, 23, 0, tzinfo=UTC), at) == datetime(2027, 1, 1, 2, 30, tzinfo=UTC)


def running_clock(start: datetime):
    """A clock that reads ``start`` now and then moves with real time."""
    began = clock.monotonic()
    return lambda: start + timedelta(seconds=clock.monotonic() - began)


def test_the_schedule_starts_a_run_at_its_time_over_the_window_and_then_waits_a_day():
    due = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    started, fired = [], threading.Event()

    def start_run(since, until):
        started.append((since, until))
        fired.set()

    schedule = NightlySchedule(time(2, 30, tzinfo=UTC), "30d", start_run,
                               clock=running_clock(due - timedelta(seconds=0.3))).start()
    try:
        assert schedule.next_at == due
        assert fired.wait(10)
        clock.sleep(0.3)
        assert len(started) == 1
        since, until = started[0]
        assert until >= due and until - since == timedelta(days=30)
        assert schedule.next_at == due + timedelta(days=1)
    finally:
        schedule.close()


def test_a_start_that_is_refused_does_not_end_the_schedule():
    due = datetime(2026, 12, 7, 2, 30, tzinfo=UTC)
    calls = []

    def refuse(since, until):
        calls.append(until)
        raise RuntimeError("a re-clustering run is still going on")

    schedule = NightlySchedule(time(2, 30, tzinfo=UTC), "12h", refuse,
                               clock=running_clock(due - timedelta(seconds=0.2))).start()
    try:
        deadline = clock.monotonic() + 10
        while not calls and clock.monotonic() < deadline:
            clock.sleep(0.05)
        clock.sleep(0.2)
        assert len(calls) == 1 and schedule._thread.is_alive()
        assert schedule.next_at == due + timedelta(days=1)
    finally:
        schedule.close()
    assert not schedule._thread.is_alive()


@pytest.mark.parametrize(("name", "value"), [("recluster_daily_at", "25:00"), ("recluster_daily_at", "nightly"),
                                             ("recluster_window", "0d"), ("recluster_window", "30"),
                                             ("recluster_window", "99999d")])
def test_bad_schedule_settings_are_refused(tiny_settings, name, value):
    with pytest.raises(ValidationError, match=name):
        tiny_settings(**{name: value})


def test_the_service_says_when_its_next_daily_run_is(tiny_settings):
    from service.app import create_app

    with TestClient(create_app(tiny_settings(recluster_daily_at="03:15"))) as client:
        status = client.get("/v1/admin/recluster").json()
        upcoming = datetime.fromisoformat(status["next_scheduled_at"])
        assert upcoming.time() == time(3, 15) and timedelta(0) < upcoming - datetime.now(UTC) <= timedelta(days=1)
    with TestClient(create_app(tiny_settings(recluster_daily_at="off"))) as client:
        assert client.get("/v1/admin/recluster").json()["next_scheduled_at"] is None


def test_the_service_starts_the_run_itself_when_its_time_comes(tiny_settings, monkeypatch):
    import service.nightly as nightly
    from service.app import create_app

    first = []

    def soon_then_daily(now, at):  # the first run half a second after start-up, later ones a day apart
        if not first:
            first.append(now)
            return now + timedelta(seconds=0.5)
        return now + timedelta(days=1)

    monkeypatch.setattr(nightly, "next_run", soon_then_daily)
    now = datetime.now(UTC)
    problems = ["курьер опоздал на час", "верните деньги за отменённый заказ"]
    messages = [{"id": f"m{i}", "text": f"{problems[i % 2]} w{i % 7}", "created_at": (now - timedelta(hours=i))
                 .isoformat()} for i in range(40)]
    with TestClient(create_app(tiny_settings(recluster_daily_at="02:30", recluster_window="3d"))) as client:
        assert client.post("/v1/messages:batch", json={"messages": messages}).status_code == 200
        deadline = clock.monotonic() + 120
        status = client.get("/v1/admin/recluster").json()
        while status["state"] in ("idle", "running") and clock.monotonic() < deadline:
            clock.sleep(0.2)
            status = client.get("/v1/admin/recluster").json()
        assert status["state"] in ("finished", "failed"), status
        since, until = datetime.fromisoformat(status["since"]), datetime.fromisoformat(status["until"])
        assert until - since == timedelta(days=3)
        assert datetime.fromisoformat(status["next_scheduled_at"]) > until + timedelta(hours=23)
