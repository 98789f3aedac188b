"""Embedding benchmark: throughput, latency, load time and RSS of each built-in model.

    python -m benchmarks.embed [--quick] [--json PATH] [--models e5-small use-multilingual]
                               [--providers cuda cpu] [--embed-batch-size N] [--spinning on|off|both]

With ``--providers cuda`` (the ``gpu`` extra on a CUDA machine) each model runs on the
providers its session actually got, which the table names, and its vectors are compared
with the same model on the CPU provider (minimum cosine over 64 texts). ``--spinning both``
measures each model with inference threads spinning and sleeping (VOC_INTRA_OP_SPINNING),
alternating the two in one process so that both see the same machine.

Each model is measured in its own child process (clean RSS). In the same run, the
peer a user would otherwise pick — sentence-transformers on PyTorch CPU with the same
e5 weights (from the Hugging Face export of the fp32 folder) — is measured when the
``train`` extra is installed, and reported as a ratio with the cosine between outputs.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import time
from pathlib import Path

from benchmarks.texts import SHORT_TEXT, make_texts

DEFAULT_MODELS = ["e5-small", "e5-small-fp32", "use-multilingual"]


def _rss_mb() -> float:
    import psutil

    return psutil.Process().memory_info().rss / 2**20


def _throughput(embed, texts: list[str], batch: int) -> float:
    start = time.perf_counter()
    for offset in range(0, len(texts), batch):
        embed(texts[offset : offset + batch])
    return len(texts) / (time.perf_counter() - start)


def _latency_ms(embed, repeats: int) -> tuple[float, float]:
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        embed([SHORT_TEXT])
        samples.append((time.perf_counter() - start) * 1000)
    return _p50_p95(samples)


def _p50_p95(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


def measure_spinning(name: str, models_dir: str, quick: bool, queue: mp.Queue) -> None:
    """Single-text latency with spinning and sleeping threads, alternated text by text."""
    from embeddings.loader import load_embedder

    embedders = {spin: load_embedder(name, Path(models_dir), spinning=spin) for spin in (True, False)}
    texts = make_texts(60 if quick else 200, seed=11)
    samples: dict[bool, list[float]] = {True: [], False: []}
    for embedder in embedders.values():
        embedder.embed(texts[:8])
    for _ in range(3):
        for text in texts:
            for spin, embedder in embedders.items():
                start = time.perf_counter()
                embedder.embed([text])
                samples[spin].append((time.perf_counter() - start) * 1000)
    rows = []
    for spin, values in samples.items():
        p50, p95 = _p50_p95(values)
        rows.append({"model": name, "spinning": "on" if spin else "off",
                     "p50_ms": round(p50, 2), "p95_ms": round(p95, 2)})
    rows[0]["p50_ratio_off_vs_on"] = round(rows[1]["p50_ms"] / rows[0]["p50_ms"], 2)
    queue.put(rows)


def measure_model(
    name: str, models_dir: str, quick: bool, providers: list[str], batch_size: int | None, spinning: bool,
    queue: mp.Queue,
) -> None:
    from embeddings.loader import load_embedder

    rss_before = _rss_mb()
    start = time.perf_counter()
    embedder = load_embedder(name, Path(models_dir), providers=providers, batch_size=batch_size, spinning=spinning)
    load_s = time.perf_counter() - start
    rss_loaded = _rss_mb()
    texts = make_texts(64 if quick else 256)
    embedder.embed(texts[:8])  # warm-up
    p50, p95 = _latency_ms(embedder.embed, 30 if quick else 200)
    result = {
        "model": name,
        "spinning": "on" if spinning else "off",
        "dimension": embedder.dimension,
        "load_s": round(load_s, 3),
        "rss_after_load_mb": round(rss_loaded, 1),
        "rss_model_mb": round(rss_loaded - rss_before, 1),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "texts_per_s_batch1": round(_throughput(embedder.embed, texts[: len(texts) // 2], 1), 1),
        "texts_per_s_batch32": round(_throughput(embedder.embed, texts, 32), 1),
    }
    session = getattr(embedder, "session", None)
    used = list(session.get_providers()) if session is not None else ["CPUExecutionProvider"]
    result["providers"] = ",".join(p.removesuffix("ExecutionProvider") for p in used)
    if used[0] != "CPUExecutionProvider":
        result["texts_per_s_batch256"] = round(_throughput(embedder.embed, make_texts(1024), 256), 1)
        on_cpu = load_embedder(name, Path(models_dir), providers=["cpu"]).embed(texts[:64])
        cosine = (embedder.embed(texts[:64]) * on_cpu).sum(axis=1)
        result["cosine_vs_cpu_min"] = round(float(cosine.min()), 5)
    queue.put(result)


def measure_peer(models_dir: str, quick: bool, queue: mp.Queue) -> None:
    """sentence-transformers on PyTorch CPU, same e5 weights; cosine against our default."""
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        queue.put({"model": "sentence-transformers (PyTorch CPU)", "skipped": "install the 'train' extra"})
        return
    from embeddings.loader import load_embedder
    from models.build import fetch_source
    from models.hf_export import export_hf
    from models.registry import BUILTIN_MODELS

    hf_dir = Path(models_dir) / "e5-small-hf"
    if not (hf_dir / "model.safetensors").is_file():
        export_hf(fetch_source(BUILTIN_MODELS["e5-small-fp32"], Path("var/cache")), hf_dir)
    start = time.perf_counter()
    peer = SentenceTransformer(str(hf_dir), device="cpu")
    load_s = time.perf_counter() - start
    texts = make_texts(64 if quick else 256)

    def embed(batch):
        return peer.encode([f"query: {t}" for t in batch], batch_size=32, normalize_embeddings=True)

    embed(texts[:8])
    p50, p95 = _latency_ms(embed, 30 if quick else 100)
    ours = load_embedder("e5-small", Path(models_dir)).embed(texts[:64])
    cosine = (embed(texts[:64]) * ours).sum(axis=1)
    queue.put({
        "model": "sentence-transformers (PyTorch CPU)",
        "load_s": round(load_s, 3),
        "p50_ms": round(p50, 2),
        "p95_ms": round(p95, 2),
        "texts_per_s_batch1": round(_throughput(embed, texts[: len(texts) // 2], 1), 1),
        "texts_per_s_batch32": round(_throughput(embed, texts, 32), 1),
        "cosine_vs_e5_small_min": round(float(cosine.min()), 4),
        "cosine_vs_e5_small_mean": round(float(cosine.mean()), 4),
    })


def _run_child(target, *args) -> dict:
    context = mp.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def print_table(rows: list[dict]) -> None:
    columns = ["model", "providers", "spinning", "load_s", "rss_after_load_mb", "p50_ms", "p95_ms",
               "texts_per_s_batch1", "texts_per_s_batch32", "texts_per_s_batch256", "cosine_vs_cpu_min",
               "ratio_vs_peer", "p50_ratio_off_vs_on"]
    widths = [max(len(c), *(len(str(r.get(c, ""))) for r in rows)) for c in columns]
    print("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        print("  ".join(str(row.get(c, row.get("skipped", "")) if c != "model" else row["model"]).ljust(w)
                        for c, w in zip(columns, widths)))


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="fewer texts and repeats")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument("--models", nargs="+", default=DEFAULT_MODELS)
    parser.add_argument("--models-dir", default="var/models")
    parser.add_argument("--no-peer", action="store_true", help="skip the sentence-transformers peer")
    parser.add_argument("--providers", nargs="+", default=["cpu"],
                        help="ONNX Runtime providers in order, as VOC_PROVIDERS (e.g. cuda cpu)")
    parser.add_argument("--embed-batch-size", type=int, default=None,
                        help="texts per inference run, as VOC_EMBED_BATCH_SIZE (default: the model's)")
    parser.add_argument("--spinning", choices=["on", "off", "both"], default="on",
                        help="inference threads spin (on, the default) or sleep between operators; "
                        "'both' adds a side-by-side single-text latency run of the two")
    args = parser.parse_args(argv)
    if args.embed_batch_size is not None and args.embed_batch_size < 1:
        parser.error("--embed-batch-size must be at least 1")

    spinning = args.spinning != "off"
    rows = [_run_child(measure_model, name, args.models_dir, args.quick, args.providers, args.embed_batch_size,
                       spinning) for name in args.models]
    if args.spinning == "both":
        for name in args.models:
            rows.extend(_run_child(measure_spinning, name, args.models_dir, args.quick))
    if not args.no_peer:
        peer = _run_child(measure_peer, args.models_dir, args.quick)
        rows.append(peer)
        if "texts_per_s_batch32" in peer:
            for row in rows[:-1]:
                if "texts_per_s_batch32" in row:
                    row["ratio_vs_peer"] = round(row["texts_per_s_batch32"] / peer["texts_per_s_batch32"], 2)
    print_table(rows)
    report = {"benchmark": "embed", "quick": args.quick, "providers": args.providers,
              "embed_batch_size": args.embed_batch_size, "spinning": args.spinning, "results": rows}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    return report


if __name__ == "__main__":
    main()
