"""Open-loop load for the service benchmark: requests sent on a clock, whatever the answers.

A closed loop waits for each answer before the next call, so a slow server is offered
less work; an open loop keeps the arrival rate. Latency is measured from the moment a
request was due, not from when it left, so a stalled client does not hide queueing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from benchmarks.stats import percentile


async def open_loop(base: str, make_payload: Callable[[int], dict], rate_per_s: float, seconds: float,
                    path: str = "/v1/messages", timeout_s: float = 60.0) -> dict:
    """Send `rate_per_s` requests per second for `seconds`; returns latencies, statuses and ids per status."""
    import httpx

    total = max(1, int(rate_per_s * seconds))
    interval = 1.0 / rate_per_s
    latencies: list[float] = []
    statuses: dict[str, int] = {}
    accepted: list[str] = []
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=256)

    async def one(client: httpx.AsyncClient, index: int, due: float) -> None:
        payload = make_payload(index)
        try:
            response = await client.post(path, json=payload)
            key = str(response.status_code)
            if 200 <= response.status_code < 300:
                accepted.append(payload["id"])
        except httpx.HTTPError as error:
            key = f"client error: {type(error).__name__}"
        latencies.append((time.perf_counter() - due) * 1000)
        statuses[key] = statuses.get(key, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=timeout_s, limits=limits) as client:
        start = time.perf_counter()
        tasks = []
        for index in range(total):
            due = start + index * interval
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, index, due)))
        await asyncio.gather(*tasks)
        elapsed = time.perf_counter() - start
    return {
        "offered_per_s": round(rate_per_s, 1),
        "requests": total,
        "seconds": round(elapsed, 2),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "statuses": dict(sorted(statuses.items())),
        "accepted_ids": accepted,
    }


async def readable(base: str, ids: list[str], concurrency: int = 16, patience_s: float = 60.0,
                   transport=None) -> dict:
    """How many of `ids` GET /v1/messages/{id} returns (every accepted message must be stored).

    Right after an overload the service may still be finishing accepted work and answer 429;
    the read-back then waits as its Retry-After says and asks again, for up to `patience_s`."""
    import httpx

    found = missing = 0
    queue = list(ids)
    deadline = time.perf_counter() + patience_s

    async def fetch(client: httpx.AsyncClient, message_id: str) -> httpx.Response:
        while True:
            response = await client.get(f"/v1/messages/{message_id}")
            if response.status_code != 429 or time.perf_counter() > deadline:
                return response
            await asyncio.sleep(min(float(response.headers.get("Retry-After", "1")), 1.0))

    async def worker(client: httpx.AsyncClient) -> None:
        nonlocal found, missing
        while queue:
            message_id = queue.pop()
            response = await fetch(client, message_id)
            if response.status_code == 200 and response.json().get("id") == message_id:
                found += 1
            else:
                missing += 1

    async with httpx.AsyncClient(base_url=base, timeout=60, transport=transport) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return {"checked": len(ids), "readable": found, "missing": missing}


def summarise_overload(row: dict, read_back: dict) -> dict:
    """Counts of 2xx / 429 / 5xx / other for an overload run, with the read-back check."""
    counts = {"2xx": 0, "429": 0, "5xx": 0, "other": 0}
    for code, number in row["statuses"].items():
        status = str(code)  # the httpx client keys by text, wrk by number
        if status.isdigit() and 200 <= int(status) < 300:
            counts["2xx"] += number
        elif status == "429":
            counts["429"] += number
        elif status.isdigit() and int(status) >= 500:
            counts["5xx"] += number
        else:
            counts["other"] += number
    return {**counts, **read_back, "all_2xx_readable": read_back["readable"] == counts["2xx"]}
