"""Cluster commands: `voc evaluate clusters` (quality against gold labels) and `voc recluster`.

Both functions are typer commands as they stand (register with ``app.command(...)``) and
plain functions for Python callers; each returns what it reports.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import numpy as np
import typer

from cli.store_options import DataDir, QdrantUrl, StoreBackend
from cli.store_options import Model as StoreModel
from cli.store_options import ModelsDir as StoreModelsDir
from clustering.pipeline import ClusterPipeline
from core.errors import VocError

if TYPE_CHECKING:
    from jobs.state import RunState

# one place for the production defaults (ints and floats: Any, so each option keeps its own type)
DEFAULTS: dict[str, Any] = ClusterPipeline.DEFAULTS

MinClusterSize = Annotated[int, typer.Option(min=2, help="Smallest group HDBSCAN reports.")]
MinSamples = Annotated[int, typer.Option(min=1, help="HDBSCAN min_samples (higher = more conservative).")]
OutlierQuantile = Annotated[float, typer.Option(
    min=0.0, max=1.0, help="The similarity threshold is this quantile (0–1) of members' similarity to their "
                           "centroid; lower lets more noise join a cluster.")]
MaxFit = Annotated[int, typer.Option(
    min=2, help="Fit on a sample of this many messages (at least --min-cluster-size); assign the rest by centroid.")]
SpellingWeight = Annotated[float, typer.Option(
    min=0.0, help="Weight of the texts' character n-grams joined to the vectors before the reduction "
                  "(0 = vectors alone).")]
ModelName = Annotated[str | None, typer.Option(help="Embedding model: built-in name or model folder. "
                                                    "Default: VOC_MODEL.", show_default=False)]
ModelsDir = Annotated[Path | None, typer.Option(help="Where built model folders live. Default: VOC_MODELS_DIR.",
                                                show_default=False)]


def evaluate_clusters(
    data: Annotated[Path, typer.Option(help="Labelled CSV or JSON-lines file.", exists=True, dir_okay=False)],
    text_col: Annotated[str, typer.Option(help="Column with the message text.")],
    label_col: Annotated[str, typer.Option(help="Column with the gold label.")],
    out: Annotated[Path, typer.Option(help="Folder for report.json and report.md.")],
    model: ModelName = None,
    models_dir: ModelsDir = None,
    min_cluster_size: MinClusterSize = DEFAULTS["min_cluster_size"],
    min_samples: MinSamples = DEFAULTS["min_samples"],
    outlier_quantile: OutlierQuantile = DEFAULTS["outlier_quantile"],
    max_fit: MaxFit = DEFAULTS["max_fit"],
    spelling_weight: SpellingWeight = DEFAULTS["spelling_weight"],
    random_state: Annotated[int, typer.Option(min=0, max=2**32 - 1, help="Seed of UMAP and of the fit sample.")
                            ] = DEFAULTS["random_state"],
) -> dict[str, Any]:
    """Cluster a labelled file with the production pipeline: NMI, ARI, clusters, noise share, and k-means."""
    from sklearn.cluster import KMeans

    from clustering import ClusterPipeline
    from core.settings import get_settings
    from evaluation.common import embed_all
    from evaluation.report import write_report
    from training.labelled import read_labelled
    from training.output import OutputError, prepare_folder

    try:
        check_fit_options(min_cluster_size, max_fit)
        try:
            prepare_folder(out)
        except OutputError as error:
            raise OutputError(f"--out: {error}") from None
        settings = get_settings()
        rows = read_labelled(data, text_col, label_col)
        vectors, texts_per_second, model_name = embed_all(rows.texts, model or settings.model,
                                                          models_dir or settings.models_dir,
                                                          max_tokens=settings.max_tokens)
    except VocError as error:
        _fail(error)
    gold = np.asarray(rows.labels)
    start = time.perf_counter()
    pipeline = ClusterPipeline(min_cluster_size=min_cluster_size, min_samples=min_samples, max_fit=max_fit,
                               outlier_quantile=outlier_quantile, spelling_weight=spelling_weight,
                               random_state=random_state).fit(vectors, rows.texts)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    kmeans = KMeans(n_clusters=len(set(rows.labels)), n_init=4, random_state=random_state).fit_predict(vectors)
    kmeans_seconds = time.perf_counter() - start
    found = pipeline.labels_
    clustered = found >= 0
    metrics = {
        **_scores(gold, found),
        "n_clusters": int(pipeline.n_clusters_),
        "noise_share": round(pipeline.noise_share_, 4),
        "noise_before_assignment": round(pipeline.noise_before_assignment_, 4),
        **{f"{k}_non_noise": v for k, v in _scores(gold[clustered], found[clustered]).items()},
        "seconds": round(seconds, 1),
        "n_labels": len(set(rows.labels)),
    }
    baseline = {**_scores(gold, kmeans), "n_clusters": len(set(rows.labels)), "noise_share": 0.0,
                "seconds": round(kmeans_seconds, 1)}
    examples = {pipeline.names_[c]: [rows.texts[i] for i in pipeline.representatives_[c][:2]]
                for c in np.argsort(-pipeline.sizes_)[:10].tolist()}
    report = {
        "task": "clusters", "data": str(data), "model": model_name, "n": len(rows.texts), "metrics": metrics,
        "baseline": baseline,
        "details": {
            "pipeline": f"{_view(pipeline)} → UMAP(5-d, cosine, centred) → "
                        f"HDBSCAN(min_cluster_size={min_cluster_size}, min_samples={min_samples}) → "
                        f"{_refinement(pipeline)} → nearest centroid above the similarity threshold",
            "baseline": "k-means on the same vectors with k = the number of gold labels (unknown in production)",
            "noise": "noise_share counts the messages no cluster took, after outlier assignment; "
                     "nmi and ari count them as one group of their own",
            "similarity_threshold": round(pipeline.threshold_, 4),
            "embedding_texts_per_second": round(texts_per_second, 1),
            "largest_clusters": examples,
        },
    }
    write_report(out, report)
    return report


class ClusterOptionError(VocError):
    """Clustering options that do not go together."""


def check_fit_options(min_cluster_size: int, max_fit: int) -> None:
    """The clustering options that typer's ranges cannot check alone."""
    if max_fit < min_cluster_size:
        raise ClusterOptionError(f"--max-fit {max_fit}: the fit sample must hold at least --min-cluster-size "
                                 f"({min_cluster_size}) messages")


def _fail(error: Exception) -> NoReturn:
    from cli.user_errors import describe

    typer.echo(f"error: {describe(error)}", err=True)
    raise typer.Exit(2) from error


def _fail_locked(error: Exception, since: str, until: str) -> NoReturn:
    import json

    from cli.user_errors import describe
    from core.settings import get_settings

    held = describe(error).partition(";")[0]  # where and by which process, without the generic advice
    body = json.dumps({"since": since, "until": until})
    settings = get_settings()
    typer.echo(f"error: {held}; run it in the process that holds it (the service) instead: curl -H "
               f"'authorization: Bearer TOKEN' -H 'content-type: application/json' -d '{body}' "
               f"http://{settings.host}:{settings.port}/v1/admin/recluster", err=True)
    raise typer.Exit(3) from error  # as the other commands that find the store held


def _left_in_force(state_dir: Path | None, before: RunState | None) -> str:
    """What a run stopped by Ctrl+C left: the run in force before it, or the new one and its write-back."""
    from jobs.state import read_current

    try:
        now = read_current(state_dir) if state_dir is not None else None
    except VocError:
        now = None
    if now is None or (before is not None and now.run_id == before.run_id):
        return (f"the run in force ({before.run_id}) stays" if before is not None
                else "no run is in force; nothing was changed")
    if not now.applied:
        return (f"{now.run_id} is in force but its cluster ids were only partly written to the messages; "
                "the next run finishes that")
    return f"{now.run_id} is in force; the next run removes what is left of older runs"


def _view(pipeline: ClusterPipeline) -> str:
    if getattr(pipeline.view_, "blended_", False):
        return pipeline.view_.describe()
    return "vectors"


def _refinement(pipeline: ClusterPipeline) -> str:
    if pipeline.refine_steps <= 0:
        return "no refinement"
    if pipeline.refine_restarts > 0:
        return f"k-means in the reduced space, HDBSCAN's k, best of {pipeline.refine_restarts} k-means++ starts"
    return f"{pipeline.refine_steps} k-means steps in the reduced space from HDBSCAN's clusters"


def _scores(gold: np.ndarray, found: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    if not len(gold):
        return {"nmi": 0.0, "ari": 0.0}
    return {"nmi": round(float(normalized_mutual_info_score(gold, found)), 4),
            "ari": round(float(adjusted_rand_score(gold, found)), 4)}


def recluster(
    since: Annotated[str, typer.Option(help="Window start: a span back from --until (30d, 12h) or a date/time.")] = (
        "30d"),
    until: Annotated[str, typer.Option(help="Window end (excluded): 'now' or a date/time (UTC if no zone).")] = "now",
    data_dir: DataDir = None,
    models_dir: StoreModelsDir = None,
    model: StoreModel = None,
    store_backend: StoreBackend = None,
    qdrant_url: QdrantUrl = None,
    min_cluster_size: MinClusterSize = DEFAULTS["min_cluster_size"],
    min_samples: MinSamples = DEFAULTS["min_samples"],
    outlier_quantile: OutlierQuantile = DEFAULTS["outlier_quantile"],
    max_fit: MaxFit = DEFAULTS["max_fit"],
    spelling_weight: SpellingWeight = DEFAULTS["spelling_weight"],
    fresh: Annotated[bool, typer.Option(help="Cluster afresh instead of starting from the previous run's clusters "
                                             "(previous clusters may then merge or split).")] = False,
    json_out: Annotated[Path | None, typer.Option("--json", help="Also write the run report here.")] = None,
) -> dict[str, Any]:
    """Re-cluster the messages of a window, keep cluster ids stable, and put the new run in force.

    The options, the --json path and the store are checked before anything is read; a data
    folder without a store is an error (nothing is created there)."""
    import json

    from cli.outputs import check_output_file
    from cli.progress import Progress
    from cli.store_options import store_target
    from embeddings.model_folder import read_model_folder
    from jobs import ReclusterSettings, run_recluster
    from jobs.state import read_current
    from jobs.timespan import parse_window
    from store import StoreLockedError, open_store
    from workbench.decisions import decisions_in

    state_dir, before = None, None
    try:
        check_fit_options(min_cluster_size, max_fit)
        if json_out is not None:
            check_output_file(json_out, "--json")
        start, end = parse_window(since, until, names=("--since", "--until"))
        target = store_target(data_dir, models_dir, model, store_backend, qdrant_url)
        manifest, _ = read_model_folder(target.model_folder, verify=False)
        settings = ReclusterSettings(min_cluster_size=min_cluster_size, min_samples=min_samples,
                                     outlier_quantile=outlier_quantile, max_fit=max_fit,
                                     spelling_weight=spelling_weight, seed_previous=not fresh)
        state_dir = target.data_dir / "clusters"
        before = read_current(state_dir)
        with (open_store(target.backend, dimension=manifest.dimension, create=False,  # type: ignore[arg-type]
                         **target.options) as store,
              Progress() as progress):
            report = run_recluster(store, state_dir, start, end, settings, log=progress.log,
                                   progress=progress.update, decisions=decisions_in(target.data_dir))
    except KeyboardInterrupt:
        typer.echo(f"error: interrupted; {_left_in_force(state_dir, before)}", err=True)
        raise typer.Exit(130) from None
    except StoreLockedError as error:
        _fail_locked(error, since, until)
    except (VocError, ValueError) as error:
        _fail(error)
    summary = {k: report[k] for k in ("run_id", "messages", "clusters", "noise_share", "stability", "seconds")}
    typer.echo(" ".join(f"{k}={v}" for k, v in summary.items()))
    typer.echo(f"statuses: {report['statuses']}; new ids: {len(report['new_ids'])}; merges: "
               f"{len(report['merges'])}; splits: {len(report['splits'])}")
    if json_out:
        json_out.write_text(json.dumps(report, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return report
