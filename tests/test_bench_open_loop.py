"""The service benchmark's read-back after an overload: every accepted message must be found."""

import asyncio
import collections

import httpx

from benchmarks.open_loop import readable, summarise_overload


def busy_then_ready(stored: set[str], busy_answers: int):
    """A service that answers 429 (Retry-After 0) to the first reads of each id, then reads it back."""
    calls = collections.Counter()

    def handle(request: httpx.Request) -> httpx.Response:
        message_id = request.url.path.rsplit("/", 1)[-1]
        calls[message_id] += 1
        if calls[message_id] <= busy_answers:
            return httpx.Response(429, headers={"Retry-After": "0"}, json={"detail": "busy"})
        if message_id in stored:
            return httpx.Response(200, json={"id": message_id})
        return httpx.Response(404, json={"detail": "not found"})

    return httpx.MockTransport(handle), calls


def test_read_back_waits_out_429_and_counts_what_is_really_missing():
    transport, calls = busy_then_ready({"over-1", "over-2"}, busy_answers=2)
    result = asyncio.run(readable("http://svc", ["over-1", "over-2", "over-3"], concurrency=2, transport=transport))
    assert result == {"checked": 3, "readable": 2, "missing": 1}
    assert all(count == 3 for count in calls.values())  # two 429s, then the answer


def test_read_back_gives_up_on_429_after_its_patience():
    transport, _ = busy_then_ready({"over-1"}, busy_answers=10**6)
    result = asyncio.run(readable("http://svc", ["over-1"], patience_s=0.05, transport=transport))
    assert result == {"checked": 1, "readable": 0, "missing": 1}


def test_overload_summary_reads_statuses_of_either_client():
    read_back = {"checked": 3, "readable": 3, "missing": 0}
    wrk_row = {"statuses": {201: 3, 429: 40, 503: 1}}
    httpx_row = {"statuses": {"201": 3, "429": 40, "client error: ReadTimeout": 2}}
    assert summarise_overload(wrk_row, read_back) == {"2xx": 3, "429": 40, "5xx": 1, "other": 0, **read_back,
                                                      "all_2xx_readable": True}
    assert summarise_overload(httpx_row, read_back)["other"] == 2
