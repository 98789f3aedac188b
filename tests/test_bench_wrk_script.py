"""The wrk script itself, run in LuaJIT (the interpreter wrk embeds) with wrk's hooks called by the test."""

import json
import time

import lupa.luajit21 as luajit
import pytest

from benchmarks import wrk

WRK_TABLE = """
wrk = {headers = {}}
function wrk.format(method, path, headers, body) return wrk.method .. " " .. wrk.path .. " " .. body end
"""


def load_script(monkeypatch, tmp_path, rate: float | None, accepted=None):
    bodies = tmp_path / "bodies.jsonl"
    bodies.write_text(json.dumps({"id": wrk.ID, "text": "Курьер опоздал"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    monkeypatch.setenv("VOC_WRK_BODIES", str(bodies))
    monkeypatch.setenv("VOC_WRK_PATH", "/v1/messages")
    monkeypatch.setenv("VOC_WRK_PREFIX", "t")
    if rate is None:
        monkeypatch.delenv("VOC_WRK_RATE", raising=False)
    else:
        monkeypatch.setenv("VOC_WRK_RATE", str(rate))
    if accepted is None:
        monkeypatch.delenv("VOC_WRK_ACCEPTED", raising=False)
    else:
        monkeypatch.setenv("VOC_WRK_ACCEPTED", str(accepted))
    lua = luajit.LuaRuntime()
    lua.execute(WRK_TABLE)
    lua.execute(wrk.SCRIPT.read_text(encoding="utf-8"))
    lua.globals().init(lua.table())
    return lua


def summary_line(lua) -> dict:
    """done() as wrk calls it, with this Lua state standing in for the one thread."""
    lua.execute("""
        local state = _G
        setup({get = function(self, name) return state[name] end})
        local latency = {percentile = function(self, q) return q * 1000 end}
        local out = {}
        io.write = function(text) out[#out + 1] = text end
        done({requests = 3, duration = 2e6, errors = {connect = 0, read = 0, write = 0, timeout = 0}}, latency, nil)
        summary_text = table.concat(out)
    """)
    return wrk.parse(lua.globals().summary_text)


def test_closed_loop_script_has_no_clock(monkeypatch, tmp_path):
    lua = load_script(monkeypatch, tmp_path, rate=None)
    assert lua.globals().delay is None  # wrk sends as soon as an answer is back
    first, second = lua.globals().request(), lua.globals().request()
    assert "t-1" in first and "t-2" in second and "Курьер опоздал" in first


def test_requests_are_held_until_due_and_late_ones_are_counted(monkeypatch, tmp_path):
    lua = load_script(monkeypatch, tmp_path, rate=100.0)  # one every 10 ms
    delay = lua.globals().delay
    waits = [delay() for _ in range(5)]  # five connections free at once: due at 0, 10, 20, 30, 40 ms
    assert waits[0] == 0
    assert all(8 <= later - earlier <= 12 for earlier, later in zip(waits, waits[1:], strict=False))
    time.sleep(0.2)  # the next request (due at 50 ms) now goes out about 150 ms late
    assert delay() == 0
    row = summary_line(lua)
    assert 100 <= row["late_max_ms"] <= 1000
    assert row["late_p50_ms"] < 5 and row["late_over_1ms"] == pytest.approx(1 / 6, abs=0.01)
    assert row["statuses"] == {} and row["requests"] == 3


def test_ids_of_accepted_messages_are_written_for_the_read_back(monkeypatch, tmp_path):
    accepted = tmp_path / "accepted.txt"
    lua = load_script(monkeypatch, tmp_path, rate=50.0, accepted=accepted)
    response = lua.globals().response
    response(201, lua.table(), '{"id":"over-1","text":"Курьер опоздал","channel":"chat"}')
    response(429, lua.table(), '{"detail":"too many requests in flight"}')
    response(200, lua.table(), '{"id":"over-2","text":"Где заказ?"}')
    response(503, lua.table(), '{"id":"over-3"}')
    row = summary_line(lua)
    assert accepted.read_text(encoding="utf-8").splitlines() == ["over-1", "over-2"]
    assert row["statuses"] == {201: 1, 200: 1, 429: 1, 503: 1}


def test_closed_loop_keeps_no_ids(monkeypatch, tmp_path):
    lua = load_script(monkeypatch, tmp_path, rate=None)
    lua.globals().response(201, lua.table(), '{"id":"s-1"}')
    summary_line(lua)
    assert len(lua.globals().accepted) == 0 and not (tmp_path / "accepted.txt").exists()
