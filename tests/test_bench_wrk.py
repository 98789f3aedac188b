"""The wrk driver of the service benchmark: what it hands to wrk and how it reads wrk's summary."""

import json
import os
import stat
import sys

import pytest

from benchmarks import wrk

SUMMARY = ('{"requests": 640, "seconds": 8.012, "p50_ms": 12.34, "p95_ms": 18.01, "p99_ms": 21.05, '
           '"socket_errors": 0, "statuses": {"201": 630, "429": 10}}')


def test_summary_line_becomes_a_benchmark_row():
    row = wrk.parse("Running 8s test @ http://127.0.0.1:1\n" + SUMMARY + "\n")
    assert row == {"requests": 640, "seconds": 8.01, "p50_ms": 12.3, "p95_ms": 18.0, "p99_ms": 21.1,
                   "requests_per_s": 79.9, "statuses": {201: 630, 429: 10}, "socket_errors": 0, "driver": "wrk"}


def test_a_failed_run_is_an_error_with_wrks_message():
    with pytest.raises(RuntimeError, match="unable to connect"):
        wrk.parse("", "unable to connect to 127.0.0.1:1 Connection refused", 1)
    with pytest.raises(RuntimeError, match="exit 0"):
        wrk.parse("Running 8s test\n")  # no summary line: the script did not run


def test_closed_loop_passes_bodies_path_and_prefix(tmp_path, monkeypatch):
    """A stand-in wrk on PATH records its arguments and the environment the driver gives it."""
    record = tmp_path / "record.json"
    fake = tmp_path / "wrk"
    fake.write_text(f"""#!{sys.executable}
import json, os, sys
bodies = open(os.environ["VOC_WRK_BODIES"], encoding="utf-8").read().splitlines()
json.dump({{"argv": sys.argv[1:], "bodies": bodies, "path": os.environ["VOC_WRK_PATH"],
           "prefix": os.environ["VOC_WRK_PREFIX"]}}, open({str(record)!r}, "w"))
print({SUMMARY!r})
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    assert wrk.available()
    bodies = [{"id": wrk.ID, "text": "Курьер опоздал"}, {"id": wrk.ID, "text": "Where is my refund?"}]
    row = wrk.closed_loop("http://127.0.0.1:9", bodies, 32, "/v1/messages", 3, prefix="s32")
    seen = json.loads(record.read_text())
    assert seen["argv"][:3] == ["-t1", "-c32", "-d3s"] and seen["argv"][-1] == "http://127.0.0.1:9"
    assert seen["argv"][seen["argv"].index("-s") + 1] == str(wrk.SCRIPT) and wrk.SCRIPT.exists()
    assert [json.loads(line) for line in seen["bodies"]] == bodies  # one JSON body per line, Cyrillic intact
    assert seen["path"] == "/v1/messages" and seen["prefix"] == "s32"
    assert row["requests_per_s"] == 79.9 and row["statuses"] == {201: 630, 429: 10}
    with pytest.raises(ValueError, match="no request bodies"):
        wrk.closed_loop("http://127.0.0.1:9", [], 1, "/v1/messages", 1, prefix="x")


OPEN_SUMMARY = SUMMARY[:-1] + (', "late_p50_ms": 0.0, "late_p99_ms": 0.41, "late_max_ms": 12.5, '
                               '"late_over_1ms": 0.00625}')


def test_open_loop_summary_keeps_how_late_requests_went_out():
    row = wrk.parse(OPEN_SUMMARY + "\n")
    assert row["late_p99_ms"] == 0.41 and row["late_max_ms"] == 12.5 and row["late_over_1ms"] == 0.0063
    assert row["p99_ms"] == 21.1


def test_open_loop_passes_the_rate_to_the_script(tmp_path, monkeypatch):
    record = tmp_path / "record.json"
    fake = tmp_path / "wrk"
    fake.write_text(f"""#!{sys.executable}
import json, os, sys
json.dump({{"argv": sys.argv[1:], "rate": os.environ.get("VOC_WRK_RATE")}}, open({str(record)!r}, "w"))
print({OPEN_SUMMARY!r})
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    row = wrk.open_loop("http://127.0.0.1:9", [{"id": wrk.ID, "text": "Где заказ?"}], 42.5, 10, prefix="half")
    seen = json.loads(record.read_text())
    assert float(seen["rate"]) == 42.5 and seen["argv"][:3] == ["-t1", "-c64", "-d10s"]
    assert row["offered_per_s"] == 42.5 and row["late_max_ms"] == 12.5
    with pytest.raises(ValueError, match="rate_per_s"):
        wrk.open_loop("http://127.0.0.1:9", [{"id": wrk.ID}], 0, 1, prefix="x")


def test_open_loop_returns_the_accepted_ids_wrk_wrote(tmp_path, monkeypatch):
    fake = tmp_path / "wrk"
    fake.write_text(f"""#!{sys.executable}
import os
open(os.environ["VOC_WRK_ACCEPTED"], "w").write("over-1\\nover-7\\n")
print({OPEN_SUMMARY!r})
""")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    row = wrk.open_loop("http://127.0.0.1:9", [{"id": wrk.ID}], 500, 2, prefix="over", keep_accepted=True)
    assert row["accepted_ids"] == ["over-1", "over-7"]
