"""Closed-loop load from wrk, a load generator written in C, for the service benchmark.

On a two-core machine the client shares the cores with the service it measures. A Python
client (httpx on asyncio) spends a millisecond or more of CPU per call, which the service
then lacks; wrk spends a few microseconds, so its figures are the service's own. wrk keeps
``connections`` calls in flight for ``seconds`` and sends the given bodies in turn
(`wrk_bodies.lua`); every ``ID`` placeholder in a body becomes a per-request unique id,
so each call is a new message and none is answered from the idempotency record.

wrk comes from the system's packages (Debian/Ubuntu: ``apt-get install wrk``); without it
the benchmark falls back to the httpx client.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

ID = "@@ID@@"  # replaced by wrk_bodies.lua with a unique id per request
SCRIPT = Path(__file__).with_name("wrk_bodies.lua")


def available() -> bool:
    return shutil.which("wrk") is not None


def closed_loop(base: str, bodies: list[dict], connections: int, path: str, seconds: float, prefix: str) -> dict:
    """``connections`` concurrent callers POSTing ``bodies`` in turn to ``path`` for ``seconds``."""
    return _run(base, bodies, connections, path, seconds, prefix, {})


def open_loop(base: str, bodies: list[dict], rate_per_s: float, seconds: float, prefix: str,
              connections: int = 64, path: str = "/v1/messages", keep_accepted: bool = False) -> dict:
    """``bodies`` POSTed on a clock, ``rate_per_s`` a second, over up to ``connections`` connections.

    Each request is timed from the moment it was sent; ``late_*`` say how long after its due
    time it went out (it waits when every connection is busy), so a run whose latencies
    leave out queueing in the client shows it in ``late_p99_ms``. With ``keep_accepted`` the
    row also lists the message ids of the 2xx answers (``accepted_ids``)."""
    if rate_per_s <= 0:
        raise ValueError(f"rate_per_s must be positive, got {rate_per_s}")
    with tempfile.TemporaryDirectory() as folder:
        accepted = Path(folder) / "accepted.txt"
        extra = {"VOC_WRK_RATE": repr(float(rate_per_s))}
        if keep_accepted:
            extra["VOC_WRK_ACCEPTED"] = str(accepted)
        row = _run(base, bodies, connections, path, seconds, prefix, extra)
        if keep_accepted:
            row["accepted_ids"] = accepted.read_text(encoding="utf-8").splitlines()
    row["offered_per_s"] = round(rate_per_s, 1)
    return row


def _run(base: str, bodies: list[dict], connections: int, path: str, seconds: float, prefix: str,
         extra_env: dict[str, str]) -> dict:
    if not bodies:
        raise ValueError("no request bodies given")
    with tempfile.TemporaryDirectory() as folder:
        bodies_file = Path(folder) / "bodies.jsonl"
        bodies_file.write_text("".join(json.dumps(body, ensure_ascii=False) + "\n" for body in bodies),
                               encoding="utf-8")
        env = {**os.environ, "VOC_WRK_BODIES": str(bodies_file), "VOC_WRK_PATH": path, "VOC_WRK_PREFIX": prefix,
               **extra_env}
        command = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "60s",
                   "-s", str(SCRIPT), base]
        finished = subprocess.run(command, env=env, capture_output=True, text=True, timeout=seconds + 120)
    return parse(finished.stdout, finished.stderr, finished.returncode)


def parse(stdout: str, stderr: str = "", returncode: int = 0) -> dict:
    """The summary line the script prints, as the benchmark's row (requests/s from wrk's own clock)."""
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if returncode != 0 or not lines:
        raise RuntimeError(f"wrk failed (exit {returncode}): {(stderr or stdout).strip()[-500:]}")
    summary = json.loads(lines[-1])
    seconds = summary["seconds"]
    return {"requests": summary["requests"], "seconds": round(seconds, 2), "p50_ms": round(summary["p50_ms"], 1),
            "p95_ms": round(summary["p95_ms"], 1), "p99_ms": round(summary["p99_ms"], 1),
            "requests_per_s": round(summary["requests"] / seconds, 1) if seconds > 0 else 0.0,
            "statuses": {int(code): count for code, count in summary["statuses"].items()},
            "socket_errors": summary["socket_errors"], "driver": "wrk",
            **{key: round(summary[key], 4 if key == "late_over_1ms" else 2) for key in LATENESS if key in summary}}


LATENESS = ("late_p50_ms", "late_p99_ms", "late_max_ms", "late_over_1ms")
