"""Store benchmark: the embedded engine against qdrant-client's local mode, same scenario.

    python -m benchmarks.store [--quick] [--json PATH] [--sizes 100000 1000000] [--quantization int8 none]
        [--search-ef N ...]

For each size, each backend runs in its own child process (clean RSS): upsert of synthetic
messages (384-d vectors, full payload) through the store API, filtered search p50/p95
(channel + 30-day window, about 7% of the points) before and after the engine builds its
vector index, the time that build takes, how often the indexed search finds the source of
a near-duplicate query (100 queries: a stored vector plus noise), full iteration (vectors +
payload), and peak RSS.
Then the store is closed and reopened, as a restarted service would: the time to open it,
RSS after 100 searches ("serving"), and one full iteration of the reopened store (what the
nightly job reads from the store the service holds open). Local mode builds no index, so
its numbers are reported once.
Ratios are embedded/local. ``--quantization int8 none`` runs the embedded backend with each
vector placement (VOC_STORE_QUANTIZATION) in the same run. ``--search-ef 64 256 512``
reopens the indexed embedded store once per value (VOC_STORE_SEARCH_EF; 0 = the engine's
default) and reports search p50/p95 and the near-duplicate source found at 10 for each
(``search_ef_sweep``), on the same index. Last, the embedded store is backed up and restored
from that backup (``backup_s``: what ingest waits for on ``POST /v1/admin/backups``;
``restore_s``, which first keeps the current contents aside).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

DIMENSION = 384
CHUNK = 4096
SPAN_DAYS = 90
TARGETS = {
    100_000: {"upsert_per_s": 15_000, "search_p50_ms": 3.0, "iterate_s": 2.0},
    1_000_000: {"search_p50_ms": 10.0, "rss_mb": 3 * 1024},
}
START = datetime(2024, 1, 1, tzinfo=UTC)
CHANNELS = ("email", "chat", "app", "survey", "social")


def _messages(offset: int, count: int):
    from store import Message

    step = SPAN_DAYS * 86_400 / 1_000_000
    return [
        Message(
            id=f"m{i}",
            text=f"Customer message {i}: the delivery was late and support did not answer.",
            created_at=START + timedelta(seconds=(i * 7919 % 1_000_000) * step),
            channel=CHANNELS[i % 5],
            source="helpdesk",
            language="en",
            rating=float(i % 5),
            customer_id=f"c{i % 50_000}",
            customer_segment=("smb", "enterprise")[i % 2],
            topic=f"topic-{i % 40}",
            owner=f"team-{i % 8}",
            sentiment=("negative", "neutral", "positive")[i % 3],
            priority=f"P{1 + i % 4}",
        )
        for i in range(offset, offset + count)
    ]


def _vectors(offset: int, count: int):
    import numpy as np

    return np.random.default_rng(offset).standard_normal((count, DIMENSION), dtype=np.float32)


def _iterate(store, size: int, after_page=lambda: None) -> float:
    """Seconds for one full pass over the messages with vectors; ``after_page()`` runs after
    every page (the RSS sampling)."""
    start, seen = time.perf_counter(), 0
    for batch in store.messages.iterate(batch_size=4096):
        seen += len(batch.ids)
        after_page()
    assert seen == size, (seen, size)
    return round(time.perf_counter() - start, 2)


def _search_ms(store, repeats: int) -> tuple[float, float]:
    import numpy as np

    from store import MessageFilter

    rng = np.random.default_rng(7)
    samples = []
    for index in range(repeats):
        begin = START + timedelta(days=int(rng.integers(0, SPAN_DAYS - 30)))
        flt = MessageFilter(channel=CHANNELS[index % 5], created_from=begin, created_to=begin + timedelta(days=30))
        query = rng.standard_normal(DIMENSION).astype(np.float32)
        start = time.perf_counter()
        store.messages.search(query, flt, limit=10)
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return round(statistics.median(samples), 2), round(samples[int(0.95 * (len(samples) - 1))], 2)


def _source_found_at_10(store, size: int, queries: int = 100) -> float:
    """Share of near-duplicate queries (a stored vector plus noise, cosine about 0.96 to it)
    whose source message is among the 10 results. The synthetic vectors are random, so the
    source is each query's only true neighbour: the other nine are at chance similarity."""
    import numpy as np

    from store import MessageFilter

    rng = np.random.default_rng(11)
    picked = rng.integers(0, size, queries)
    found = 0
    for index in picked.tolist():
        offset = index - index % CHUNK
        source = _vectors(offset, min(CHUNK, size - offset))[index - offset]
        noise = rng.standard_normal(DIMENSION, dtype=np.float32) / DIMENSION**0.5
        probe = source / np.linalg.norm(source) + 0.3 * noise
        hits = store.messages.search(probe, MessageFilter(), limit=10)
        found += f"m{index}" in {hit.message.id for hit in hits}
    return round(found / queries, 3)


def measure(backend: str, size: int, workdir: str, build_index: bool, quantization: str, search_efs: list[int],
            queue: mp.Queue) -> None:
    import psutil

    from store import open_store

    process = psutil.Process()

    def sample() -> tuple[int, int]:
        info = process.memory_info()  # rss counts mapped file pages too; rss - shared is anonymous memory
        return info.rss, info.rss - info.shared

    from core.settings import STORE_SEARCH_EF

    path = Path(workdir) / f"{backend}-{size}-{quantization}"
    if backend == "embedded":
        store = open_store("embedded", path=path, dimension=DIMENSION, quantization=quantization,
                           search_ef=STORE_SEARCH_EF)
    else:
        store = open_store("server", url=":memory:", dimension=DIMENSION)
    peak = sample()
    upsert_s = 0.0
    for offset in range(0, size, CHUNK):
        count = min(CHUNK, size - offset)
        messages, vectors = _messages(offset, count), _vectors(offset, count)
        start = time.perf_counter()
        store.messages.upsert(messages, vectors)
        upsert_s += time.perf_counter() - start
        peak = max(peak, sample())
    repeats = 100 if backend == "embedded" else max(5, min(100, 2_000_000 // size))  # local mode scans
    result = {"backend": backend if backend == "local" else f"embedded/{quantization}", "points": size,
              "search_ef": STORE_SEARCH_EF if backend == "embedded" else None,
              "upsert_per_s": round(size / upsert_s)}
    result["search_p50_ms"], result["search_p95_ms"] = _search_ms(store, repeats)
    if backend == "embedded":
        result["search_p50_ms_before_index"] = result["search_p50_ms"]
        result["search_p95_ms_before_index"] = result["search_p95_ms"]
    if build_index:
        result["index_build_s"] = round(store.optimize(), 1)
        result["search_p50_ms"], result["search_p95_ms"] = _search_ms(store, repeats)
        result["source_found_at_10"] = _source_found_at_10(store, size)
    readings = [sample()]
    result["iterate_s"] = _iterate(store, size, lambda: readings.append(sample()))
    peak = max(peak, *readings, sample())
    result["rss_peak_mb"] = round(peak[0] / 2**20)
    result["rss_anon_at_peak_mb"] = round(peak[1] / 2**20)
    result["index"] = store.info()["tables"]["messages"]
    store.close()
    if backend == "embedded":
        start = time.perf_counter()
        store = open_store("embedded", path=path, dimension=DIMENSION, quantization=quantization,
                           search_ef=STORE_SEARCH_EF)
        result["open_s_reopened"] = round(time.perf_counter() - start, 2)
        result["search_p50_ms_reopened"], _ = _search_ms(store, 100)
        serving = sample()
        result["rss_serving_mb"], result["rss_serving_anon_mb"] = round(serving[0] / 2**20), round(serving[1] / 2**20)
        result["iterate_s_reopened"] = _iterate(store, size)
        store.close()
        if build_index and search_efs:
            result["search_ef_sweep"] = [_ef_point(path, quantization, ef, size) for ef in search_efs]
        result["backup_s"], result["restore_s"] = _backup_and_restore(path, quantization)
    shutil.rmtree(path, ignore_errors=True)
    queue.put(result)


def _backup_and_restore(path: Path, quantization: str) -> tuple[float, float]:
    """Seconds for a backup of the whole store (what ingest waits for on POST /v1/admin/backups) and
    for restoring it (which first keeps the current contents aside)."""
    from core.settings import STORE_SEARCH_EF
    from store import open_store

    snapshot = path.with_name(path.name + "-backup")
    with open_store("embedded", path=path, dimension=DIMENSION, quantization=quantization,
                    search_ef=STORE_SEARCH_EF) as store:
        start = time.perf_counter()
        store.backup(snapshot)
        backup_s = time.perf_counter() - start
        start = time.perf_counter()
        store.restore(snapshot)
        restore_s = time.perf_counter() - start
    shutil.rmtree(snapshot, ignore_errors=True)
    return round(backup_s, 2), round(restore_s, 2)


def _ef_point(path: Path, quantization: str, ef: int, size: int) -> dict:
    """Search latency and the source found at 10 with ``ef`` HNSW candidates (0 = the engine's default)."""
    from store import open_store

    store = open_store("embedded", path=path, dimension=DIMENSION, quantization=quantization, search_ef=ef or None)
    try:
        p50, p95 = _search_ms(store, 100)
        return {"search_ef": ef, "search_p50_ms": p50, "search_p95_ms": p95,
                "source_found_at_10": _source_found_at_10(store, size)}
    finally:
        store.close()


def _run_child(*args) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=measure, args=(*args, queue))
    child.start()
    result = queue.get()
    child.join()
    return result


def _verdicts(row: dict) -> dict:
    targets = TARGETS.get(row["points"], {})
    indexed = "index_build_s" in row
    checks = {
        "upsert_per_s": row["upsert_per_s"] >= targets.get("upsert_per_s", 0),
        "search_p50_ms": row["search_p50_ms"] <= targets.get("search_p50_ms", float("inf")) if indexed else None,
        "search_p50_ms_before_index": row.get("search_p50_ms_before_index", 0)
        <= targets.get("search_p50_ms", float("inf")),
        "iterate_s": row["iterate_s"] <= targets.get("iterate_s", float("inf")),
        "rss_mb": row["rss_peak_mb"] <= targets.get("rss_mb", float("inf")),
        "rss_serving_mb": row.get("rss_serving_mb", 0) <= targets.get("rss_mb", float("inf")),
    }
    wanted = {name.split("_before")[0] for name in checks} & set(targets)
    if "rss_mb" in targets:
        wanted.add("rss_serving_mb")
    return {name: ok for name, ok in checks.items() if name.split("_before")[0] in wanted}


COLUMNS = [
    "backend",
    "points",
    "upsert_per_s",
    "search_p50_ms_before_index",
    "search_p95_ms_before_index",
    "index_build_s",
    "search_p50_ms",
    "search_p95_ms",
    "source_found_at_10",
    "iterate_s",
    "rss_peak_mb",
    "rss_anon_at_peak_mb",
    "open_s_reopened",
    "search_p50_ms_reopened",
    "rss_serving_mb",
    "rss_serving_anon_mb",
    "iterate_s_reopened",
    "backup_s",
    "restore_s",
]


def print_table(rows: list[dict]) -> None:
    widths = [max(len(c), *(len(str(r.get(c, "-"))) for r in rows)) for c in COLUMNS]
    print("  ".join(c.ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))
    for row in rows:
        print("  ".join(str(row.get(c, "-")).ljust(w) for c, w in zip(COLUMNS, widths, strict=True)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="20k points only")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument("--sizes", nargs="+", type=int, help="point counts (default 100000 1000000)")
    parser.add_argument("--no-local", action="store_true", help="skip qdrant-client's local mode")
    parser.add_argument("--no-index", action="store_true", help="skip building the vector index (large sizes)")
    parser.add_argument("--workdir", help="where the embedded store is written (default: a temporary folder)")
    parser.add_argument("--quantization", nargs="+", choices=["int8", "none"], default=["int8"],
                        help="vector placements of the embedded backend to run (VOC_STORE_QUANTIZATION)")
    parser.add_argument("--search-ef", nargs="+", type=int, default=[], metavar="N",
                        help="also search the indexed embedded store with each of these HNSW candidate counts "
                             "(VOC_STORE_SEARCH_EF; 0 = the engine's default)")
    args = parser.parse_args(argv)
    sizes = args.sizes or ([20_000] if args.quick else [100_000, 1_000_000])
    workdir = args.workdir or tempfile.mkdtemp(prefix="voc-store-bench-")
    rows, ratios = [], []
    for size in sizes:
        placements = [_run_child("embedded", size, workdir, not args.no_index, q, args.search_ef)
                      for q in args.quantization]
        for placement in placements:
            placement["meets_targets"] = _verdicts(placement)
        rows.extend(placements)
        embedded = placements[0]
        if len(placements) == 2 and "index_build_s" in embedded:
            other = placements[1]
            ratios.append({
                "points": size, "placements": f"{args.quantization[0]} vs {args.quantization[1]}",
                "index_build_speedup_x": round(other["index_build_s"] / max(embedded["index_build_s"], 0.001), 2),
                "search_p50_speedup_x": round(other["search_p50_ms"] / embedded["search_p50_ms"], 2),
                "rss_serving_ratio": round(embedded["rss_serving_mb"] / other["rss_serving_mb"], 2),
            })
        if not args.no_local:
            local = _run_child("local", size, workdir, False, "none", [])
            rows.append(local)
            ratios.append(
                {
                    "points": size,
                    "placements": f"embedded/{args.quantization[0]} vs local",
                    "upsert_x": round(embedded["upsert_per_s"] / local["upsert_per_s"], 2),
                    "search_p50_speedup_x": round(local["search_p50_ms"] / embedded["search_p50_ms"], 2),
                    "search_p50_speedup_before_index_x": round(
                        local["search_p50_ms"] / embedded["search_p50_ms_before_index"], 2
                    ),
                    "iterate_speedup_x": round(local["iterate_s"] / embedded["iterate_s"], 2),
                    "rss_ratio": round(embedded["rss_peak_mb"] / local["rss_peak_mb"], 2),
                }
            )
    print_table(rows)
    for row in rows:
        for point in row.get("search_ef_sweep", []):
            print(f"{row['backend']} {row['points']} search_ef={point['search_ef'] or 'default'}: p50 "
                  f"{point['search_p50_ms']} ms, p95 {point['search_p95_ms']} ms, source found at 10 "
                  f"{point['source_found_at_10']}")
    for ratio in ratios:
        print("ratios:", ratio)
    print(f"cpus: {os.cpu_count()}, load average: {os.getloadavg()}")
    for row in rows:
        if "meets_targets" in row:
            print(f"targets at {row['points']}:", row["meets_targets"])
    result = {
        "dimension": DIMENSION,
        "cpu_count": os.cpu_count(),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "rows": rows,
        "ratios": ratios,
        "targets": {str(k): v for k, v in TARGETS.items()},
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
