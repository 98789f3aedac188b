"""Speed, fidelity and batch invariance of the e5 variants on a fixed number of CPU threads.

``python -m models.compare_variants [--threads 2] [--variants fp32,q4-acc4,...]`` writes each
variant under ``--work`` (reused between runs) and prints one row per variant: file size,
p50 latency of one short text, texts/s for 10–40-word texts at batch 1 and batch 32
(padded to the longest text in the batch, mean pooling over the mask), cosine to ``fp32``
(each text alone) and the lowest cosine between a text alone and the same text in a batch of 32.
CPU milliseconds per text (process time, thread spinning off) are printed beside the wall-clock
rates because they stay comparable when other work shares the machine.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import cast

import numpy as np

from models.sample_texts import sample_texts
from models.variants import VARIANTS, feeds, write_variant

SHORT_TEXT = "Курьер опоздал на два часа"


def make_tokenize(source, work: Path):
    from tokenizers import Tokenizer

    from models.e5_tokenizer import write_tokenizer

    folder = work / "tokenizer"
    folder.mkdir(parents=True, exist_ok=True)
    if not (folder / "tokenizer.json").is_file():
        write_tokenizer(source.vocabulary, folder)
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    char_map = {int(k): v for k, v in json.loads((folder / "char_map.json").read_text(encoding="utf-8")).items()}

    def tokenize(texts: list[str]) -> list[list[int]]:
        return [e.ids for e in tokenizer.encode_batch([("query: " + t).translate(char_map) for t in texts])]

    return tokenize


def embed(session, sequences: list[list[int]]) -> np.ndarray:
    """Padded batch → last_hidden_state → mean over the mask → L2."""
    length = max(map(len, sequences))
    ids = np.ones((len(sequences), length), dtype=np.int64)  # pad id 1
    mask = np.zeros_like(ids)
    for row, sequence in enumerate(sequences):
        ids[row, : len(sequence)] = sequence
        mask[row, : len(sequence)] = 1
    states = session.run(["last_hidden_state"], {"input_ids": ids, "attention_mask": mask})[0]
    weights = mask[..., None].astype(np.float32)
    pooled = (states * weights).sum(axis=1) / weights.sum(axis=1)
    return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)


def measure(path: Path, sequences: list[list[int]], short: list[int], threads: int) -> dict[str, object]:
    import onnxruntime as ort

    ort.set_default_logger_severity(3)
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")  # CPU time = work done
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    for _ in range(5):
        embed(session, [short])
    latencies = []
    for _ in range(50):
        start = time.perf_counter()
        embed(session, [short])
        latencies.append(time.perf_counter() - start)
    start, cpu = time.perf_counter(), time.process_time()
    alone = np.concatenate([embed(session, [s]) for s in sequences])
    batch1 = len(sequences) / (time.perf_counter() - start)
    batch1_cpu = (time.process_time() - cpu) / len(sequences)
    embed(session, sequences[:32])
    start, cpu = time.perf_counter(), time.process_time()
    together = np.concatenate([embed(session, sequences[i : i + 32]) for i in range(0, len(sequences), 32)])
    batch32 = len(sequences) / (time.perf_counter() - start)
    batch32_cpu = (time.process_time() - cpu) / len(sequences)
    return {
        "mb": round(path.stat().st_size / 1e6, 1),
        "p50_ms": round(float(np.median(latencies)) * 1000, 2),
        "batch1_tps": round(batch1, 1),
        "batch32_tps": round(batch32, 1),
        "batch1_cpu_ms": round(batch1_cpu * 1000, 2),
        "batch32_cpu_ms": round(batch32_cpu * 1000, 2),
        "invariance_min": round(float((alone * together).sum(axis=1).min()), 6),
        "vectors": alone,
    }


def main(argv: list[str] | None = None) -> None:
    from models.build import fetch_source
    from models.e5_format import E5File
    from models.registry import BUILTIN_MODELS

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--variants", default=",".join(VARIANTS))
    parser.add_argument("--count", type=int, default=128)
    parser.add_argument("--cache", type=Path, default=Path("var/cache"))
    parser.add_argument("--work", type=Path, default=Path("var/variants"))
    parser.add_argument("--json", type=Path, default=None, help="also write the table here")
    args = parser.parse_args(argv)
    source = E5File(fetch_source(BUILTIN_MODELS["e5-small-fp32"], args.cache))
    tokenize = make_tokenize(source, args.work)
    texts = sample_texts(args.count, seed=7, min_words=10, max_words=40)
    sequences, short = tokenize(texts), tokenize([SHORT_TEXT])[0]
    calibration = feeds(tokenize, sample_texts(300, seed=3))
    names = [name.strip() for name in args.variants.split(",") if name.strip()]
    if "fp32" not in names:
        names.insert(0, "fp32")
    rows: dict[str, dict[str, object]] = {}
    print(f"{len(texts)} texts of 10-40 words, mean {np.mean([len(s) for s in sequences]):.1f} tokens; "
          f"{args.threads} threads")
    print(f"{'variant':<15}{'MB':>7}{'p50 ms':>9}{'b1 t/s':>9}{'b32 t/s':>9}{'b1 cpu ms':>11}{'b32 cpu ms':>12}"
          f"{'cos fp32 min':>14}{'mean':>10}{'invar min':>11}")
    for name in names:
        path = write_variant(name, source, args.work, calibration=calibration)
        row = measure(path, sequences, short, args.threads)
        vectors = cast(np.ndarray, row.pop("vectors"))
        reference = cast(np.ndarray, rows["fp32"]["_vectors"]) if name != "fp32" else vectors
        cosine = (vectors * reference).sum(axis=1)
        row.update(cos_fp32_min=round(float(cosine.min()), 6), cos_fp32_mean=round(float(cosine.mean()), 6))
        rows[name] = {**row, "_vectors": vectors}
        print(f"{name:<15}{row['mb']:>7}{row['p50_ms']:>9}{row['batch1_tps']:>9}{row['batch32_tps']:>9}"
              f"{row['batch1_cpu_ms']:>11}{row['batch32_cpu_ms']:>12}{row['cos_fp32_min']:>14}"
              f"{row['cos_fp32_mean']:>10}{row['invariance_min']:>11}", flush=True)
    if args.json:
        table = {name: {k: v for k, v in row.items() if not k.startswith("_")} for name, row in rows.items()}
        args.json.write_text(json.dumps({"threads": args.threads, "texts": len(texts), "variants": table}, indent=2))


if __name__ == "__main__":
    main()
