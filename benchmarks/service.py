"""Service benchmark: the HTTP API under load, against the same work done in-process.

    python -m benchmarks.service [--quick] [--json PATH] [--model e5-small]

Starts `voc serve` on a free loopback port with a fresh data directory, drives it with
an asyncio + httpx client (closed loop at 1, 8 and 32 concurrent clients, single-message
and batch calls), then runs the same messages through the analyser in-process in the same
run; reports p50/p95/p99, throughput and the HTTP-overhead ratio.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.texts import make_texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def closed_loop(base: str, payloads: list, concurrency: int, path: str) -> dict:
    import httpx

    latencies: list[float] = []
    statuses: dict[int, int] = {}
    queue = list(payloads)

    async def worker(client: httpx.AsyncClient) -> None:
        while queue:
            payload = queue.pop()
            start = time.perf_counter()
            response = await client.post(path, json=payload)
            latencies.append((time.perf_counter() - start) * 1000)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    async with httpx.AsyncClient(base_url=base, timeout=60) as client:
        started = time.perf_counter()
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
        seconds = time.perf_counter() - started
    return {"requests": len(payloads), "seconds": round(seconds, 2), "p50_ms": round(statistics.median(latencies), 1),
            "p95_ms": round(percentile(latencies, 0.95), 1), "p99_ms": round(percentile(latencies, 0.99), 1),
            "requests_per_s": round(len(payloads) / seconds, 1), "statuses": statuses}


def wait_ready(base: str, process: subprocess.Popen, timeout: float = 120) -> None:
    import httpx

    deadline = time.time() + timeout
    while time.time() < deadline:
        if process.poll() is not None:
            raise RuntimeError("the service exited during start-up")
        try:
            if httpx.get(f"{base}/v1/ready", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("the service did not become ready")


def messages(prefix: str, count: int) -> list[dict]:
    return [{"id": f"{prefix}-{i}", "text": text, "channel": "chat", "customer": {"id": f"c-{i % 50}"}}
            for i, text in enumerate(make_texts(count, seed=hash(prefix) % 1000))]


def in_process(model: str, texts_count: int) -> dict:
    from analysis.analyzer import IncomingMessage
    from analysis.factory import build_analyzer
    from embeddings.loader import load_embedder

    embedder = load_embedder(model, Path("var/models"), max_tokens=256)
    analyzer = build_analyzer(embedder, model_name=embedder.name)
    batch = [IncomingMessage(id=m["id"], text=m["text"]) for m in messages("lib", texts_count)]
    analyzer.analyse(batch[:4])
    latencies = []
    for item in batch[: min(50, len(batch))]:
        start = time.perf_counter()
        analyzer.analyse([item])
        latencies.append((time.perf_counter() - start) * 1000)
    start = time.perf_counter()
    for offset in range(0, len(batch), 32):
        analyzer.analyse(batch[offset : offset + 32])
    return {"single_p50_ms": round(statistics.median(latencies), 1),
            "batch32_messages_per_s": round(len(batch) / (time.perf_counter() - start), 1)}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--model", default="e5-small")
    args = parser.parse_args(argv)
    count = 64 if args.quick else 256
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "VOC_DATA_DIR": data_dir, "VOC_MODEL": args.model, "VOC_TOKENS": "{}",
               "VOC_MAX_IN_FLIGHT": "512"}
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(base, process)
            asyncio.run(closed_loop(base, messages("warm", 8), 1, "/v1/messages"))
            rows = {}
            for concurrency in (1, 8, 32):
                rows[f"single x{concurrency}"] = asyncio.run(
                    closed_loop(base, messages(f"s{concurrency}", count), concurrency, "/v1/messages"))
            batches = [{"messages": messages(f"b{i}", 32)} for i in range(max(2, count // 32))]
            rows["batch32 x1"] = asyncio.run(closed_loop(base, batches, 1, "/v1/messages:batch"))
            rows["batch32 x1"]["messages_per_s"] = round(rows["batch32 x1"]["requests_per_s"] * 32, 1)
        finally:
            process.terminate()
            process.wait(timeout=30)
    library = in_process(args.model, count)
    for name, row in rows.items():
        row.setdefault("messages_per_s", row["requests_per_s"])
    rows["single x32"]["vs_library_batch32"] = round(
        rows["single x32"]["messages_per_s"] / library["batch32_messages_per_s"], 2)
    rows["batch32 x1"]["vs_library_batch32"] = round(
        rows["batch32 x1"]["messages_per_s"] / library["batch32_messages_per_s"], 2)
    print(f"{'load':<14}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'msg/s':>8}{'vs lib':>8}  statuses")
    for name, row in rows.items():
        print(f"{name:<14}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}{row['messages_per_s']:>8}"
              f"{row.get('vs_library_batch32', ''):>8}  {row['statuses']}")
    print(f"in-process: single p50 {library['single_p50_ms']} ms, batch-32 {library['batch32_messages_per_s']} msg/s; "
          f"HTTP overhead at p50 (one client): {rows['single x1']['p50_ms'] - library['single_p50_ms']:.1f} ms")
    report = {"benchmark": "service", "model": args.model, "http": rows, "library": library}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
