"""Re-clustering benchmark: our pipeline at scale, and against BERTopic's default pipeline on real data.

    python -m benchmarks.recluster [--quick] [--json PATH] [--banking77 CSV] [--rutube CSV]

Scale: for 10k, 100k and (unless --quick) 1M synthetic messages (384-d vectors around 200
topic centres, short texts from each topic's words), each size in its own child process,
the production pipeline end to end — fit on a 50k sample (UMAP → HDBSCAN), centroid rule
for noise and every other message, keywords, names — with its time and the child's peak
RSS. Reading the window from the store is not included (see benchmarks/store.py).

Quality and speed against BERTopic: on banking77 (test split, 77 intents) and
rutube_support (user questions, label_l2), the same e5-small vectors (cached under
--cache-dir) go through our pipeline and through ``BERTopic().fit_transform(docs,
embeddings)`` (its default UMAP, HDBSCAN, CountVectorizer and c-TF-IDF), ``--repeats``
times each; the median time is reported, NMI and ARI of the first fit, over all points,
noise counted as its own group. Our UMAP's one-off compilation is done before either is
timed; BERTopic's parallel layout compiles on its first fit, which the median leaves out.
BERTopic is a benchmark-only extra (``pip install -e .[bench]``); product code never imports it.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import string
import time
from pathlib import Path

import numpy as np

DIMENSION = 384
TOPICS = 200
TARGETS = {100_000: 90.0, 1_000_000: 20 * 60.0}  # seconds, from the issue; peak RSS ≤ 6 GB
RSS_TARGET_MB = 6 * 1024
WARM_UP_MESSAGES = 12_000  # above the exact-neighbour limit, so NNDescent is compiled too


def synthetic(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors around TOPICS random centres (sizes skewed like real traffic) and their topic labels."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(TOPICS, DIMENSION)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    weights = 1.0 / np.arange(1, TOPICS + 1) ** 0.7
    labels = rng.choice(TOPICS, size=count, p=weights / weights.sum())
    vectors = np.empty((count, DIMENSION), dtype=np.float32)
    for start in range(0, count, 100_000):  # bounded temporary memory
        part = labels[start:start + 100_000]
        noise = rng.normal(scale=0.035, size=(len(part), DIMENSION)).astype(np.float32)
        block = centres[part] + noise
        vectors[start:start + len(part)] = block / np.linalg.norm(block, axis=1, keepdims=True)
    return vectors, labels


TOPIC_WORDS = 12  # words of a topic's own vocabulary
COMMON_WORDS = 60  # words every topic uses


def _word(number: int) -> str:
    """A distinct made-up word for every number (letters of the number in base 26, padded)."""
    letters = string.ascii_lowercase
    digits = []
    for _ in range(4):
        number, digit = divmod(number, 26)
        digits.append(letters[digit])
    return "w" + "".join(digits)


def _texts(labels: np.ndarray, rows: np.ndarray) -> dict[int, str]:
    """Per message: four words drawn from its topic's own vocabulary and two common words, so that,
    as in real traffic, texts of one topic vary message by message and share wording across topics
    only in common words."""
    rng = np.random.default_rng(len(rows))
    out = {}
    for i in rows:
        own = rng.choice(TOPIC_WORDS, 4, replace=False) + COMMON_WORDS + int(labels[i]) * TOPIC_WORDS
        common = rng.choice(COMMON_WORDS, 2, replace=False)
        out[int(i)] = " ".join(_word(int(n)) for n in (*own, *common))
    return out


def warm_up(count: int = WARM_UP_MESSAGES) -> float:
    """Fit the production pipeline once on a small synthetic window, so that what a process
    pays once (numba's compilation of UMAP's layout, and of NNDescent above the exact-neighbour
    limit; loading the Russian morphology dictionary for keywords) is paid here; returns its seconds."""
    from clustering import ClusterPipeline
    from clustering.keywords import normal_form

    vectors, _ = synthetic(count, seed=1)
    started = time.perf_counter()
    ClusterPipeline(random_state=42).fit(vectors)
    normal_form("обращение")
    return time.perf_counter() - started


def _scale_child(count: int, max_fit: int, queue) -> None:
    from clustering import ClusterPipeline

    warm_up_s = warm_up()
    vectors, labels = synthetic(count)
    started = time.perf_counter()
    sample = np.arange(min(count, max_fit))  # rows are in random order already
    by_row = _texts(labels, sample)
    texts = [by_row.get(i) for i in range(count)]
    pipeline = ClusterPipeline(random_state=42, max_fit=max_fit).fit(vectors, texts, sample=sample)
    seconds = time.perf_counter() - started
    nmi, ari = _scores(labels, pipeline.labels_)
    queue.put({"messages": count, "seconds": round(seconds, 1), "warm_up_s": round(warm_up_s, 1),
               "fitted_on": len(sample),
               "clusters": int(pipeline.n_clusters_), "noise_share": round(float(pipeline.noise_share_), 4),
               "nmi": nmi, "ari": ari, "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)})


def run_scale(count: int, max_fit: int | None = None) -> dict:
    from clustering import ClusterPipeline

    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_scale_child, args=(count, max_fit or ClusterPipeline.DEFAULTS["max_fit"], queue))
    child.start()
    result = queue.get()
    child.join()
    target = TARGETS.get(count)
    result["target_s"] = target
    result["meets_target"] = (target is None or result["seconds"] <= target) and result["peak_rss_mb"] <= RSS_TARGET_MB
    return result


def _scores(gold, found) -> tuple[float, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    return (round(float(normalized_mutual_info_score(gold, found)), 4),
            round(float(adjusted_rand_score(gold, found)), 4))


def _timed(fit, repeats: int) -> tuple[float, object]:
    """The median time of ``repeats`` calls of ``fit`` and the first call's result (numba
    compiles some of BERTopic's parallel UMAP code on its first call; the median leaves that out)."""
    seconds, results = [], []
    for _ in range(repeats):
        started = time.perf_counter()
        results.append(fit())
        seconds.append(time.perf_counter() - started)
    return float(np.median(seconds)), results[0]


def compare(name: str, texts: list[str], gold: list[str], vectors: np.ndarray, repeats: int = 3) -> dict:
    """Our pipeline and BERTopic's default on the same vectors: time (median of ``repeats``
    fits each), NMI/ARI of the first fit, clusters, noise."""
    from bertopic import BERTopic

    from clustering import ClusterPipeline

    ours_s, ours = _timed(lambda: ClusterPipeline(random_state=42).fit(vectors, texts), repeats)
    theirs_s, (topics, _) = _timed(lambda: BERTopic().fit_transform(texts, vectors), repeats)
    topics = np.asarray(topics)
    ours_nmi, ours_ari = _scores(gold, ours.labels_)
    theirs_nmi, theirs_ari = _scores(gold, topics)
    return {
        "data": name, "n": len(texts), "labels": len(set(gold)), "repeats": repeats,
        "ours": {"seconds": round(ours_s, 2), "nmi": ours_nmi, "ari": ours_ari, "clusters": int(ours.n_clusters_),
                 "noise_share": round(float(ours.noise_share_), 4)},
        "bertopic": {"seconds": round(theirs_s, 2), "nmi": theirs_nmi, "ari": theirs_ari,
                     "clusters": int(len(set(topics.tolist()) - {-1})),
                     "noise_share": round(float((topics < 0).mean()), 4)},
        "speedup": round(theirs_s / ours_s, 2), "nmi_ratio": round(ours_nmi / theirs_nmi, 3) if theirs_nmi else None,
    }


def load(path: Path, text_col: str, label_col: str, split: str | None) -> tuple[list[str], list[str]]:
    import csv

    with path.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if split is None or r.get("split") == split]
    rows = [r for r in rows if (r.get(text_col) or "").strip() and r.get(label_col)]
    if not rows:
        where = f" in split {split!r}" if split else ""
        raise SystemExit(f"{path}: no rows with {text_col!r} and {label_col!r}{where}")
    return [r[text_col] for r in rows], [r[label_col] for r in rows]


def print_tables(results: dict) -> None:
    print("\nscale (synthetic 384-d, production pipeline; target 100k ≤ 90 s, 1M ≤ 1200 s, RSS ≤ 6144 MB)")
    print(f"{'messages':>10} {'seconds':>8} {'warm-up':>8} {'fit on':>7} {'clusters':>8} {'noise':>6} {'NMI':>6} "
          f"{'peak MB':>8}  ok")
    for r in results["scale"]:
        print(f"{r['messages']:>10} {r['seconds']:>8} {r['warm_up_s']:>8} {r['fitted_on']:>7} {r['clusters']:>8} "
              f"{r['noise_share']:>6.1%} "
              f"{r['nmi']:>6.3f} {r['peak_rss_mb']:>8}  {'yes' if r['meets_target'] else 'NO'}")
    if not results["quality"]:
        return
    print("\nagainst BERTopic's default pipeline (same e5-small vectors; NMI/ARI over all points)")
    print(f"{'data':<16} {'n':>5} {'ours s':>7} {'BERTopic s':>10} {'speed-up':>8} {'NMI ours':>8} {'NMI BT':>7} "
          f"{'ARI ours':>8} {'ARI BT':>7} {'noise ours':>10} {'noise BT':>8}")
    for q in results["quality"]:
        o, b = q["ours"], q["bertopic"]
        print(f"{q['data']:<16} {q['n']:>5} {o['seconds']:>7} {b['seconds']:>10} {q['speedup']:>7}× {o['nmi']:>8.3f} "
              f"{b['nmi']:>7.3f} {o['ari']:>8.3f} {b['ari']:>7.3f} {o['noise_share']:>10.1%} {b['noise_share']:>8.1%}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="10k and 100k only (no 1M)")
    parser.add_argument("--json", type=Path, help="write the results as JSON to this path")
    parser.add_argument("--sizes", nargs="*", type=int,
                        help="message counts (default 10000 100000 1000000; none given: no scale run)")
    parser.add_argument("--max-fit", type=int, help="fit sample size (default: the pipeline's max_fit)")
    parser.add_argument("--banking77", type=Path, help="banking77.csv (text, label, split): the test split is used")
    parser.add_argument("--rutube", type=Path, help="rutube_support_cases.csv (user_question, label_l2)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="fits per tool and data set; the median time is reported (default 3)")
    parser.add_argument("--model", default="e5-small", help="embedding model for the real data sets")
    parser.add_argument("--models-dir", type=Path, default=Path("var/models"))
    parser.add_argument("--cache-dir", type=Path, default=Path("var/cache/vectors"), help="embedding cache")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error("--repeats must be at least 1")
    sizes = args.sizes if args.sizes is not None else (
        [10_000, 100_000] if args.quick else [10_000, 100_000, 1_000_000])
    results: dict = {"scale": [], "quality": []}
    for size in sizes:
        print(f"scale: {size} messages …", flush=True)
        results["scale"].append(run_scale(size, args.max_fit))
    sets = [(args.banking77, "banking77", "text", "label", "test"), (args.rutube, "rutube_support", "user_question",
                                                                     "label_l2", None)]
    if not any(path for path, *_ in sets):
        print("quality: skipped (give --banking77 and/or --rutube to compare with BERTopic on real data)")
    else:
        from evaluation.common import embed_all

        warm_up()
        for path, name, text_col, label_col, split in sets:
            if path is None:
                print(f"quality: {name} skipped (no path given)")
                continue
            texts, gold = load(path, text_col, label_col, split)
            vectors, _, _ = embed_all(texts, args.model, args.models_dir, cache_dir=args.cache_dir)
            print(f"quality: {name}, {len(texts)} texts …", flush=True)
            results["quality"].append(compare(name, texts, gold, vectors, args.repeats))
    print_tables(results)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
