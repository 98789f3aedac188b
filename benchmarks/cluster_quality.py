"""Clustering quality against gold labels, for the production pipeline and the variants it was chosen from.

    python -m benchmarks.cluster_quality --data ../shared/data/banking77/banking77.csv --text-col text \
        --label-col label --where split=test [--seeds 42 7] [--stability [--stickiness S ...]] [--quick] [--json PATH]

Vectors are computed once (cached in var/cache/vectors). Each variant is the production
`ClusterPipeline` with one thing changed; the labels are used only for scoring, never to
choose a parameter. Variants:

- previous: UMAP on the raw vectors, HDBSCAN, noise joins the nearest centroid (the first pipeline)
- centred: the UMAP input loses the vectors' common direction first (no refinement, vectors only)
- refined: k-means steps in the reduced space, started from HDBSCAN's clusters (no centring,
  vectors only)
- vectors: centred + refined on the vectors alone, 200 layout epochs (the pipeline before the
  spelling view)
- default: `ClusterPipeline()` as shipped (vectors joined by the texts' character n-grams,
  `SpellingBlend`; centred + refined; 100 layout epochs)
- restarts: the default, but k-means with HDBSCAN's number of clusters from the best of
  RESTARTS k-means++ starts instead of steps from HDBSCAN's clusters
- epochs200, epochs300, epochs500: the default, but 200, 300 or 500 UMAP layout epochs (500 is
  UMAP's own choice under 10,000 points, 200 above; the default takes 100 at every size)
- dbcv: the default, but HDBSCAN's min_cluster_size / min_samples / selection method picked
  per run by the highest DBCV (hdbscan's relative validity) over a small grid

NMI and ARI count the messages no cluster took as one group of their own. ``--stability``
also runs the nightly job twice over an in-memory store (random dates over 40 days; a
30-day window, then the same window one day later) and reports the share of messages in
both windows whose cluster id is unchanged, for the previous pipeline and the default one,
clustering the second window afresh ("fresh") and starting from the first run's clusters
(the job's default), each at every ``--stickiness`` given (the job's setting otherwise).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

VARIANTS = ("previous", "centred", "refined", "vectors", "default", "restarts", "epochs200", "epochs300",
            "epochs500", "dbcv")
# UMAP layout epochs where a variant sets them; the others take UmapReducer's default
VARIANT_EPOCHS = {"epochs200": 200, "epochs300": 300, "epochs500": 500, "previous": 500, "vectors": 200,
                  "centred": 200, "refined": 200}
# variants that cluster the vectors alone (the others see them joined by the texts' spelling)
VECTORS_ONLY = ("previous", "centred", "refined", "vectors")
RESTARTS = 4
DBCV_GRID = [(mcs, ms, method) for mcs in (8, 10, 15) for ms in (1, 5) for method in ("eom", "leaf")]


class GivenReduction:
    """A reducer whose output was computed before (so variants share one UMAP fit per seed)."""

    def __init__(self, reduced: np.ndarray) -> None:
        self.reduced = reduced

    def fit_transform(self, vectors: np.ndarray) -> np.ndarray:
        return self.reduced


class DbcvSelectedHdbscan:
    """HDBSCAN with the parameters of ``DBCV_GRID`` that score the highest DBCV on the points."""

    def fit(self, points: np.ndarray) -> DbcvSelectedHdbscan:
        import hdbscan

        best = None
        for mcs, ms, method in DBCV_GRID:
            model = hdbscan.HDBSCAN(min_cluster_size=mcs, min_samples=ms, cluster_selection_method=method,
                                    gen_min_span_tree=True, core_dist_n_jobs=1).fit(points)
            score = float(model.relative_validity_)
            if best is None or score > best[0]:
                best = (score, (mcs, ms, method), model.labels_)
        self.score_, self.chosen_, labels = best
        self.labels_ = np.asarray(labels, dtype=np.int64)
        return self


def load(args: argparse.Namespace) -> tuple[list[str], np.ndarray, np.ndarray]:
    from evaluation.common import embed_all
    from training.labelled import read_labelled

    column, _, value = (args.where or "").partition("=")
    rows = read_labelled(args.data, args.text_col, args.label_col, extra_cols=(column,) if column else ())
    keep = [i for i in range(len(rows.texts)) if not column or rows.extra[column][i] == value]
    if not keep:
        raise SystemExit(f"error: no rows where {args.where}")
    texts = [rows.texts[i] for i in keep]
    gold = np.asarray([rows.labels[i] for i in keep])
    vectors, _, _ = embed_all(texts, args.model, Path(args.models_dir), cache_dir=Path(args.cache_dir))
    return texts, np.asarray(vectors, dtype=np.float32), gold


def scores(gold: np.ndarray, found: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    clustered = found >= 0
    return {"nmi": round(float(normalized_mutual_info_score(gold, found)), 4),
            "ari": round(float(adjusted_rand_score(gold, found)), 4),
            "nmi_non_noise": round(float(normalized_mutual_info_score(gold[clustered], found[clustered])), 4)}


def run_variant(name: str, vectors: np.ndarray, texts: list[str], gold: np.ndarray, reduced: dict, seed: int) -> dict:
    from clustering import ClusterPipeline, HdbscanClusterer, VectorsOnly

    defaults = ClusterPipeline.DEFAULTS
    key = reduction_key(name, seed)
    refine = 0 if name in ("previous", "centred") else defaults["refine_steps"]
    restarts = RESTARTS if name == "restarts" else defaults["refine_restarts"]
    clusterer = DbcvSelectedHdbscan() if name == "dbcv" else HdbscanClusterer(defaults["min_cluster_size"],
                                                                               defaults["min_samples"])
    start = time.perf_counter()
    pipeline = ClusterPipeline(GivenReduction(reduced[key]["points"]), clusterer, view=VectorsOnly(),
                               refine_steps=refine, refine_restarts=restarts, random_state=seed).fit(vectors, texts)
    seconds = reduced[key]["seconds"] + time.perf_counter() - start
    row = {"variant": name, "seed": seed, "n_clusters": pipeline.n_clusters_,
           "noise_before": round(pipeline.noise_before_assignment_, 4), "noise": round(pipeline.noise_share_, 4),
           **scores(gold, pipeline.labels_), "seconds": round(seconds, 1)}
    if name == "dbcv":
        row["chosen"] = list(clusterer.chosen_)
    return row


def reduction_key(name: str, seed: int) -> tuple[bool, int | None, bool, int]:
    """Which UMAP fit a variant uses: (centred, layout epochs or None for the default, spelling
    view, seed)."""
    return name not in ("previous", "refined"), VARIANT_EPOCHS.get(name), name not in VECTORS_ONLY, seed


def reduce_all(vectors: np.ndarray, texts: list[str], keys: set[tuple[bool, int | None, bool, int]]) -> dict:
    """One view + UMAP fit per distinct key, shared by the variants that use it."""
    from clustering import SpellingBlend, UmapReducer, VectorsOnly

    out = {}
    for key in sorted(keys, key=lambda k: (k[3], k[0], k[1] or 0, k[2])):
        centre, epochs, spelled, seed = key
        start = time.perf_counter()
        options = {"n_epochs": epochs} if epochs else {}
        view = SpellingBlend(random_state=seed) if spelled else VectorsOnly()
        points = UmapReducer(random_state=seed, centre=centre, **options).fit_transform(
            view.fit_transform(vectors, texts))
        out[key] = {"points": points, "seconds": time.perf_counter() - start}
        print(f"  UMAP seed {seed} centre={centre} epochs={epochs or 'default'} spelling={spelled}: "
              f"{out[key]['seconds']:.1f} s", flush=True)
    return out


def shifted_window_stability(vectors: np.ndarray, texts: list[str], gold: np.ndarray, variant: str,
                             seed: int, span_days: int = 40, stickiness: float | None = None,
                             seeded: bool = True) -> dict:
    """Two nightly runs (30-day window, then shifted by one day) over messages with random dates."""
    import tempfile
    from datetime import UTC, datetime, timedelta

    from clustering import ClusterPipeline, UmapReducer, VectorsOnly
    from jobs import ReclusterSettings, run_recluster
    from store import Message, MessageFilter, open_store

    rng = np.random.default_rng(seed)
    end = datetime(2024, 6, 1, tzinfo=UTC)
    ages = rng.uniform(0, span_days * 86400, len(vectors))
    messages = [Message(id=f"m{i}", text=text, created_at=end - timedelta(seconds=float(age)))
                for i, (text, age) in enumerate(zip(texts, ages, strict=True))]
    previous = variant == "previous"
    settings = ReclusterSettings(random_state=seed, seed_previous=seeded and not previous)
    if not settings.seed_previous and not previous:
        variant = f"{variant} fresh"
    if stickiness is not None:
        settings.stickiness = stickiness
        variant = f"{variant} s={stickiness:g}"
    reports = []
    with open_store("server", url=":memory:", dimension=vectors.shape[1]) as store, \
            tempfile.TemporaryDirectory() as state:
        store.messages.upsert(messages, vectors)
        for until in (end - timedelta(days=1), end):
            reducer = UmapReducer(random_state=seed, centre=not previous, **({"n_epochs": 500} if previous else {}))
            pipeline = ClusterPipeline(reducer, view=VectorsOnly() if previous else None,
                                       refine_steps=0 if previous else ClusterPipeline.DEFAULTS["refine_steps"],
                                       random_state=seed)
            reports.append(run_recluster(store, Path(state), until - timedelta(days=30), until, settings,
                                         pipeline=pipeline))
        window = MessageFilter(created_from=end - timedelta(days=30), created_to=end)
        assigned = {m.id: m.cluster_id for batch in store.messages.iterate(window, with_vectors=False)
                    for m in batch.messages}
    rows = np.asarray([int(i[1:]) for i in assigned])
    found = np.asarray([c or "" for c in assigned.values()])
    from sklearn.metrics import normalized_mutual_info_score

    second = reports[1]
    return {"variant": variant, "seed": seed, "stability": second["stability"],
            "compared": second["compared_messages"], "clusters": [r["clusters"] for r in reports],
            "kept_ids": second["kept_ids"], "new_ids": len(second["new_ids"]),
            "nmi_second_run": round(float(normalized_mutual_info_score(gold[rows], found)), 4),
            "noise_second_run": second["noise_share"]}


def summarise(rows: list[dict], keys: tuple[str, ...]) -> list[dict]:
    out = []
    for name in dict.fromkeys(r["variant"] for r in rows):
        mine = [r for r in rows if r["variant"] == name]
        out.append({"variant": name, "runs": len(mine),
                    **{k: round(float(np.mean([r[k] for r in mine])), 4) for k in keys}})
    return out


def print_table(summary: list[dict], keys: tuple[str, ...], base: str) -> None:
    reference = next((s for s in summary if s["variant"] == base), summary[0])
    print(f"{'variant':<10}" + "".join(f"{k:>14}" for k in keys) + f"{'NMI ratio':>11}{'time ratio':>11}")
    for s in summary:
        nmi_ratio = s["nmi"] / reference["nmi"] if reference["nmi"] else float("nan")
        time_ratio = s["seconds"] / reference["seconds"] if reference["seconds"] else float("nan")
        print(f"{s['variant']:<10}" + "".join(f"{s[k]:>14}" for k in keys) + f"{nmi_ratio:>11.3f}{time_ratio:>11.2f}")


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, required=True, help="labelled CSV or JSON-lines file")
    parser.add_argument("--text-col", default="text")
    parser.add_argument("--label-col", default="label")
    parser.add_argument("--where", help="keep only rows with COLUMN=VALUE (e.g. split=test)")
    parser.add_argument("--variants", nargs="+", default=list(VARIANTS), choices=VARIANTS)
    parser.add_argument("--seeds", type=int, nargs="+", default=[42, 7], help="UMAP seeds (results are averaged)")
    parser.add_argument("--stability", action="store_true", help="also run the shifted-window stability check")
    parser.add_argument("--stickiness", type=float, nargs="+",
                        help="stability of the default pipeline at each stickiness value (default: the job's)")
    parser.add_argument("--quick", action="store_true", help="one seed; previous, vectors and default only")
    parser.add_argument("--model", default="e5-small")
    parser.add_argument("--models-dir", default="var/models")
    parser.add_argument("--cache-dir", default="var/cache/vectors")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.variants = args.seeds[:1], ["previous", "vectors", "default"]

    texts, vectors, gold = load(args)
    print(f"{len(texts)} texts, {len(set(gold.tolist()))} labels; variants {args.variants}, seeds {args.seeds}")
    reduced = reduce_all(vectors, texts, {reduction_key(name, seed) for name in args.variants for seed in args.seeds})
    rows = [run_variant(name, vectors, texts, gold, reduced, seed) for seed in args.seeds for name in args.variants]
    for row in rows:
        print("  " + json.dumps(row), flush=True)
    keys = ("n_clusters", "noise_before", "noise", "nmi", "ari", "nmi_non_noise", "seconds")
    summary = summarise(rows, keys)
    print_table(summary, keys, "previous")
    report = {"benchmark": "cluster_quality", "data": str(args.data), "where": args.where, "n": len(texts),
              "labels": len(set(gold.tolist())), "model": args.model, "seeds": args.seeds, "runs": rows,
              "summary": summary}
    if args.stability:
        plans = [("previous", None, False)] + [("default", value, seeded) for seeded in (False, True)
                                                for value in (args.stickiness or [None])]
        runs = [shifted_window_stability(vectors, texts, gold, name, seed, stickiness=value, seeded=seeded)
                for seed in args.seeds for name, value, seeded in plans]
        for run in runs:
            print("  " + json.dumps(run), flush=True)
        stability_keys = ("stability", "kept_ids", "new_ids", "nmi_second_run", "noise_second_run")
        report["stability"] = {"runs": runs, "summary": summarise(runs, stability_keys)}
        print(f"{'variant':<16}" + "".join(f"{k:>18}" for k in stability_keys))
        for s in report["stability"]["summary"]:
            print(f"{s['variant']:<16}" + "".join(f"{s[k]:>18}" for k in stability_keys))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")
    return report


if __name__ == "__main__":
    main()
