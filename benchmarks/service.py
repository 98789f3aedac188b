"""Service benchmark: the HTTP API under load, against the same work done in-process.

    python -m benchmarks.service [--quick] [--json PATH] [--model e5-small] [--pairs K]

Starts `voc serve` on a free loopback port with a fresh data directory and drives it in
closed loops (1, 8 and 32 concurrent clients, single-message and batch calls). The driver is
wrk (`benchmarks/wrk.py`, a C load generator, so the client takes next to nothing from the
cores the service runs on) when it is installed, else an asyncio + httpx client;
``--driver both`` runs the closed loops with each, side by side. Then the same messages go
through the analyser in-process in the same run (once before the service starts, once after
it stops; the faster run is the yardstick); reports p50/p95/p99, throughput and two ratios:
against the embedder's own batch-32 texts/s (the target's yardstick) and against the
in-process analyser's batch-32 messages/s. These machines change speed from minute to
minute, so the 32-client and batch runs are also bracketed: the embedder's batch-32 rate is
measured in this process just before and just after each of them, and
``vs_embedder_bracketed`` compares the run with the mean of the two. Then each of those two
loads alternates with the embedder in short slices (``--pairs`` times: yardstick, load,
yardstick, load, …) and ``paired`` reports every slice's ratio against the yardstick slices
on either side of it, and their median. One client's calls alternate the same way with the
in-process embedding of one text at a time, and ``paired`` of ``single x1`` reports what a
call adds beyond that embedding in each slice, and the median.

Then two open-loop runs (requests on a clock, latency from the moment each was due): at
half the saturation throughput (the p99 target), and at ten times it (overload: every call
must be answered 2xx or 429, never 5xx, and every 2xx must be readable after). Saturation
is the single-call rate of 32 closed-loop clients, measured just before the half-saturation
run and again just after it (``saturation_bracket``; ``share_of_saturation`` is the offered
rate over their mean).
The in-process part also times the embedding of one message alone, so the non-embedding
cost of a call (analysis + store + HTTP) is reported beside it.
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
import zlib
from collections.abc import Callable
from pathlib import Path

from benchmarks import wrk
from benchmarks.open_loop import open_loop, readable, summarise_overload
from benchmarks.stats import percentile
from benchmarks.texts import make_texts


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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
            "requests_per_s": round(len(payloads) / seconds, 1), "statuses": statuses, "driver": "httpx"}


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
            for i, text in enumerate(make_texts(count, seed=zlib.crc32(prefix.encode()) % 1000))]


def wrk_singles(prefix: str, count: int) -> list[dict]:
    """Single-message bodies for wrk, each id a placeholder it makes unique per request."""
    return [{**message, "id": wrk.ID} for message in messages(prefix, count)]


def load_model(model: str):
    """The embedder with the service's settings (and its BLAS thread limit), loaded once for
    the in-process runs and the yardstick."""
    from core.settings import Settings
    from core.threads import limit_blas_threads
    from embeddings.loader import load_embedder

    settings = Settings()
    limit_blas_threads(settings.blas_threads)  # as the service does
    return load_embedder(model, Path("var/models"), max_tokens=256, threads=settings.intra_op_threads,
                         spinning=settings.intra_op_spinning)


def in_process(embedder, texts_count: int) -> dict:
    from analysis.analyzer import IncomingMessage
    from analysis.factory import build_analyzer

    analyzer = build_analyzer(embedder, model_name=embedder.name)
    batch = [IncomingMessage(id=m["id"], text=m["text"]) for m in messages("lib", texts_count)]
    analyzer.analyse(batch[:4])
    latencies, embed_ms = [], []
    for item in batch[: min(50, len(batch))]:
        start = time.perf_counter()
        embedder.embed([item.text])
        embed_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        analyzer.analyse([item])
        latencies.append((time.perf_counter() - start) * 1000)
    return {"single_p50_ms": round(statistics.median(latencies), 1),
            "embed_single_p50_ms": round(statistics.median(embed_ms), 1),
            "batch32_messages_per_s": per_second(analyzer.analyse, batch),
            "embed_batch32_texts_per_s": per_second(embedder.embed, [item.text for item in batch])}


SETTLE_S = 2.0  # after a load run, until the calls still in flight when its client stopped are answered


class Yardstick:
    """The embedder's own batch-32 texts/s, measured on demand in this process (the service idle)."""

    def __init__(self, embedder, texts_count: int = 256) -> None:
        self.embedder = embedder
        self.texts = [m["text"] for m in messages("yardstick", texts_count)]
        self.embedder.embed(self.texts[:32])

    def texts_per_s(self) -> float:
        return per_second(self.embedder.embed, self.texts)

    def single_p50_ms(self, seconds: float) -> float:
        """p50 of embedding one text at a time, texts in turn, for ``seconds``."""
        latencies = []
        deadline = time.perf_counter() + seconds
        while time.perf_counter() < deadline:
            text = self.texts[len(latencies) % len(self.texts)]
            start = time.perf_counter()
            self.embedder.embed([text])
            latencies.append((time.perf_counter() - start) * 1000)
        return round(statistics.median(latencies), 2)

    def bracket(self, run: Callable[[], dict], settle_s: float = SETTLE_S) -> dict:
        """``run()``'s row with the embedder's rate just before and just after it (once the calls
        still in flight when the client stopped have been answered)."""
        before = self.texts_per_s()
        row = run()
        time.sleep(settle_s)
        row["embedder_bracket"] = [before, self.texts_per_s()]
        return row


def per_second(run, items: list, size: int = 32) -> float:
    """Items per second when ``run`` takes them ``size`` at a time."""
    start = time.perf_counter()
    for offset in range(0, len(items), size):
        run(items[offset : offset + size])
    return round(len(items) / (time.perf_counter() - start), 1)


def load_runs(base: str, saturation: Callable[[str], float], quick: bool, driver: str = "httpx") -> dict:
    """Open loop at half saturation, then at ten times it with a read-back of every 2xx.

    ``saturation(tag)`` measures the service's closed-loop capacity now. It is measured just
    before the half-saturation run (which is offered half of it) and just after, so the row
    shows what share of the service's capacity the run really took: these machines change
    speed from minute to minute, and a rate taken from an earlier run can be most of what
    the service manages in a slow minute. With the wrk driver the half-saturation run is
    paced by wrk (its ``late_*`` fields say whether any request went out after its due
    time), and so is the overload run, over 256 connections; otherwise both runs use the
    httpx client, which a ten-times overload leaves far behind its clock."""
    seconds_half, seconds_over = (10.0, 4.0) if quick else (30.0, 10.0)
    rows = {}

    def payload(prefix: str):
        return lambda i: messages_one(f"{prefix}-{i}", i)

    before = saturation("before")
    if driver == "wrk":
        half = wrk.open_loop(base, wrk_singles("half", 256), 0.5 * before, seconds_half, prefix="half")
    else:
        half = asyncio.run(open_loop(base, payload("half"), 0.5 * before, seconds_half))
    time.sleep(SETTLE_S)
    after = saturation("after")
    half["saturation_bracket"] = [before, after]
    half["share_of_saturation"] = round(half["offered_per_s"] / statistics.mean((before, after)), 2)
    rows["open 0.5x sat"] = half
    if driver == "wrk":
        over = wrk.open_loop(base, wrk_singles("over", 256), 10 * after, seconds_over, prefix="over", connections=256,
                             keep_accepted=True)
    else:
        over = asyncio.run(open_loop(base, payload("over"), 10 * after, seconds_over))
    over["overload"] = summarise_overload(over, asyncio.run(readable(base, over["accepted_ids"])))
    rows["open 10x sat"] = over
    for row in rows.values():
        row["messages_per_s"] = row["offered_per_s"]
        row.pop("accepted_ids", None)
    return rows


_TEXTS = make_texts(512, seed=11)


def messages_one(message_id: str, index: int) -> dict:
    return {"id": message_id, "text": _TEXTS[index % len(_TEXTS)], "channel": "chat",
            "customer": {"id": f"c-{index % 50}"}}


def closed_loops(base: str, driver: str, count: int, seconds: float, yardstick: Yardstick, pairs: int = 0) -> dict:
    """Single calls at 1, 8 and 32 concurrent clients, then batches of 32 from one client; the
    throughput runs (32 clients, batches) bracketed by the yardstick, and with ``pairs`` also
    alternated with it in short slices (``paired``)."""
    batches = [{"messages": messages(f"b{i}", 32)} for i in range(max(2, count // 32))]
    templates = [{"messages": [{**m, "id": f"{wrk.ID}-{k}"} for k, m in enumerate(b["messages"])]} for b in batches]
    singles = wrk_singles("w", count)

    def run_singles(concurrency: int, secs: float, tag: str) -> dict:
        if driver == "httpx":
            return asyncio.run(closed_loop(base, messages(f"s{concurrency}{tag}", count), concurrency, "/v1/messages"))
        return wrk.closed_loop(base, singles, concurrency, "/v1/messages", secs, prefix=f"ws{concurrency}{tag}")

    def run_batches(secs: float, tag: str) -> dict:
        if driver == "httpx":
            tagged = [{"messages": messages(f"b{i}{tag}", 32)} for i in range(len(batches))]
            return asyncio.run(closed_loop(base, tagged, 1, "/v1/messages:batch"))
        return wrk.closed_loop(base, templates, 1, "/v1/messages:batch", secs, prefix=f"wb{tag}")

    rows: dict = {}
    for concurrency in (1, 8, 32):
        def run(c: int = concurrency) -> dict:
            return run_singles(c, seconds, "")
        rows[f"single x{concurrency}"] = yardstick.bracket(run) if concurrency == 32 else run()
    rows["batch32 x1"] = yardstick.bracket(lambda: run_batches(seconds, ""))
    rows["batch32 x1"]["messages_per_s"] = round(rows["batch32 x1"]["requests_per_s"] * 32, 1)
    if pairs:
        slice_s = max(10.0, seconds / 2)  # long enough that the call cut off at the end weighs little
        rows["single x32"]["paired"] = alternate(yardstick, lambda secs, tag: run_singles(32, secs, tag), 1, pairs,
                                                 slice_s)
        rows["batch32 x1"]["paired"] = alternate(yardstick, run_batches, 32, pairs, slice_s)
        rows["single x1"]["paired"] = alternate_one_client(yardstick, lambda secs, tag: run_singles(1, secs, tag),
                                                           pairs, slice_s)
    return rows


def saturation_probe(base: str, driver: str, count: int, seconds: float) -> Callable[[str], float]:
    """A function measuring the single-call requests/s of 32 concurrent clients now (the
    service's closed-loop capacity), run for half the closed-loop time (at least 5 s)."""
    secs = max(5.0, seconds / 2)
    singles = wrk_singles("sat", count)

    def measure(tag: str) -> float:
        if driver == "httpx":
            row = asyncio.run(closed_loop(base, messages(f"sat-{tag}", count), 32, "/v1/messages"))
        else:
            row = wrk.closed_loop(base, singles, 32, "/v1/messages", secs, prefix=f"sat{tag}")
        time.sleep(SETTLE_S)
        return row["requests_per_s"]

    return measure


def alternate(yardstick: Yardstick, run: Callable[[float, str], dict], per_call: int, pairs: int, slice_s: float,
              settle_s: float = SETTLE_S) -> dict:
    """Throughput of ``run`` against the embedder in short alternating slices: Y R Y R … Y, each
    run compared with the mean of the yardstick slices on either side of it, so a change of the
    machine's speed between slices moves both sides of a ratio together."""
    before = yardstick.texts_per_s()
    ratios = []
    for index in range(pairs):
        row = run(slice_s, f"p{index}")
        time.sleep(settle_s)
        after = yardstick.texts_per_s()
        ratios.append(round(row["requests_per_s"] * per_call / statistics.mean((before, after)), 3))
        before = after
    return {"ratios": ratios, "median": round(statistics.median(ratios), 2), "slice_s": slice_s}


def alternate_one_client(yardstick: Yardstick, run: Callable[[float, str], dict], pairs: int, slice_s: float,
                         settle_s: float = SETTLE_S) -> dict:
    """One client's p50 against the embedding of one text alone, in alternating slices
    (E C E C … E): each client slice's p50 minus the mean of the in-process p50s on either
    side of it is what the rest of a call (analysis, store, HTTP) adds at that moment."""
    before = yardstick.single_p50_ms(slice_s / 2)
    beyond, client_p50 = [], []
    for index in range(pairs):
        row = run(slice_s, f"e{index}")
        time.sleep(settle_s)
        after = yardstick.single_p50_ms(slice_s / 2)
        client_p50.append(row["p50_ms"])
        beyond.append(round(row["p50_ms"] - statistics.mean((before, after)), 2))
        before = after
    return {"p50_ms": client_p50, "beyond_embedding_ms": beyond,
            "median_p50_ms": round(statistics.median(client_p50), 2),
            "median_beyond_embedding_ms": round(statistics.median(beyond), 2), "slice_s": slice_s}


def print_report(rows: dict, library: dict) -> None:
    print(f"{'load':<20}{'driver':>7}{'p50 ms':>8}{'p95 ms':>8}{'p99 ms':>8}{'msg/s':>8}{'vs emb':>8}{'vs lib':>8}"
          f"{'vs brk':>8}{'bracket':>14}  statuses")
    for name, row in rows.items():
        print(f"{name:<20}{row.get('driver', 'httpx'):>7}{row['p50_ms']:>8}{row['p95_ms']:>8}{row['p99_ms']:>8}"
              f"{row['messages_per_s']:>8}{row.get('vs_embedder_batch32', ''):>8}"
              f"{row.get('vs_library_batch32', ''):>8}{row.get('vs_embedder_bracketed', ''):>8}"
              f"{'/'.join(map(str, row.get('embedder_bracket', []))):>14}  {row['statuses']}")
    for name, row in rows.items():
        if "paired" in row and "beyond_embedding_ms" in row["paired"]:
            paired = row["paired"]
            print(f"{name}, alternated with the in-process embedding of one text in {paired['slice_s']:.0f} s slices: "
                  f"p50 median {paired['median_p50_ms']} ms ({paired['p50_ms']}), beyond the embedding median "
                  f"{paired['median_beyond_embedding_ms']} ms ({paired['beyond_embedding_ms']})")
        elif "paired" in row:
            paired = row["paired"]
            print(f"{name}, alternated with the embedder in {paired['slice_s']:.0f} s slices: median "
                  f"{paired['median']} of its batch-32 rate (each pair: {paired['ratios']})")
    single = rows["single x1"]["p50_ms"]
    print(f"in-process: embedding alone p50 {library['embed_single_p50_ms']} ms, whole analysis p50 "
          f"{library['single_p50_ms']} ms; batch-32: embedder {library['embed_batch32_texts_per_s']} texts/s, "
          f"analyser {library['batch32_messages_per_s']} msg/s (the faster of a run before the service started "
          f"and one after it stopped: {library['embed_batch32_texts_per_s_runs']} texts/s, "
          f"{library['batch32_messages_per_s_runs']} msg/s)")
    print(f"one client over HTTP p50 {single} ms: {single - library['embed_single_p50_ms']:.1f} ms beyond the "
          f"embedding ({single - library['single_p50_ms']:.1f} ms beyond the in-process analysis)")
    if "open 0.5x sat" in rows:
        half = rows["open 0.5x sat"]
        print(f"open loop at {half['offered_per_s']} msg/s: saturation before / after "
              f"{'/'.join(map(str, half['saturation_bracket']))} msg/s, so {half['share_of_saturation']} of it"
              + (f"; sent after their due time: p99 {half['late_p99_ms']} ms, at most {half['late_max_ms']} ms"
                 if "late_p99_ms" in half else ""))
    if "open 10x sat" in rows:
        print("overload (10x saturation):", rows["open 10x sat"]["overload"])
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="64 calls per closed-loop run, short open-loop runs")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument("--model", default="e5-small", help="embedding model under var/models")
    parser.add_argument("--max-in-flight", type=int, default=64, help="the service's VOC_MAX_IN_FLIGHT")
    parser.add_argument("--no-open-loop", action="store_true", help="skip the half-saturation and overload runs")
    parser.add_argument("--driver", choices=("auto", "wrk", "httpx", "both"), default="auto",
                        help="closed-loop client: wrk when installed (auto), the httpx client, or both side by side")
    parser.add_argument("--seconds", type=float, help="length of each wrk run (default 8 with --quick, else 20)")
    parser.add_argument("--pairs", type=int,
                        help="alternate the 32-client and batch loads with the embedder, and one client with the "
                             "embedding of one text, this many times in short slices and report the medians "
                             "(default 5, 2 with --quick; 0 = skip)")
    args = parser.parse_args(argv)
    if args.pairs is None:
        args.pairs = 2 if args.quick else 5
    if args.pairs < 0:
        parser.error("--pairs must be 0 or more")
    if args.driver == "auto":
        args.driver = "wrk" if wrk.available() else "httpx"
    if args.driver in ("wrk", "both") and not wrk.available():
        parser.error("wrk is not installed (Debian/Ubuntu: apt-get install wrk); use --driver httpx")
    seconds = args.seconds or (8.0 if args.quick else 20.0)
    count = 64 if args.quick else 256
    embedder = load_model(args.model)
    library_before = in_process(embedder, count)
    yardstick = Yardstick(embedder)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as data_dir:
        env = {**os.environ, "VOC_DATA_DIR": data_dir, "VOC_MODEL": args.model, "VOC_TOKENS": "{}",
               "VOC_MAX_IN_FLIGHT": str(args.max_in_flight)}
        process = subprocess.Popen([sys.executable, "-m", "cli.main", "serve", "--port", str(port)], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_ready(base, process)
            asyncio.run(closed_loop(base, messages("warm", 8), 1, "/v1/messages"))
            rows = closed_loops(base, "httpx" if args.driver == "httpx" else "wrk", count, seconds, yardstick,
                                args.pairs)
            if args.driver == "both":
                extra = closed_loops(base, "httpx", count, seconds, yardstick, args.pairs)
                rows.update({f"{name} · httpx": row for name, row in extra.items()})
            if not args.no_open_loop:
                rows.update(load_runs(base, saturation_probe(base, args.driver, count, seconds), args.quick,
                                      "httpx" if args.driver == "httpx" else "wrk"))
        finally:
            process.terminate()
            process.wait(timeout=30)
    library = in_process(embedder, count)
    # the yardstick is the faster of the two in-process runs, so a slow moment of the machine
    # never flatters the service's ratios
    for key in ("embed_batch32_texts_per_s", "batch32_messages_per_s"):
        library[f"{key}_runs"] = [library_before[key], library[key]]
        library[key] = max(library_before[key], library[key])
    for row in rows.values():
        if "messages_per_s" not in row:
            row["messages_per_s"] = row["requests_per_s"]
    for name, row in rows.items():
        if name.startswith(("single x32", "batch32 x1")):
            row["vs_embedder_batch32"] = round(row["messages_per_s"] / library["embed_batch32_texts_per_s"], 2)
            row["vs_library_batch32"] = round(row["messages_per_s"] / library["batch32_messages_per_s"], 2)
        if "embedder_bracket" in row:
            row["vs_embedder_bracketed"] = round(row["messages_per_s"] / statistics.mean(row["embedder_bracket"]), 2)
    print_report(rows, library)
    report = {"benchmark": "service", "model": args.model, "driver": args.driver, "http": rows, "library": library,
              "cpu_count": os.cpu_count(), "load_average_after": [round(x, 2) for x in os.getloadavg()]}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
    return report


if __name__ == "__main__":
    main()
