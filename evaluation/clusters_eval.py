"""`voc evaluate clusters`: how well clusters recover known labels, against k-means of the same run."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np

from evaluation.common import embed_all
from evaluation.report import write_report
from training.labelled import read_labelled


def evaluate_clusters(data: Path, text_col: str, label_col: str, out: Path, *, model: str = "e5-small",
                      models_dir: Path = Path("var/models"), min_cluster_size: int = 10,
                      min_samples: int | None = 5) -> dict[str, Any]:
    from sklearn.cluster import KMeans
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    from clustering.pipeline import ClusterPipeline
    from clustering.stages import HdbscanClusterer

    rows = read_labelled(data, text_col, label_col)
    labels = np.asarray(rows.labels)
    vectors, _, model_name = embed_all(rows.texts, model, models_dir)
    start = time.perf_counter()
    result = ClusterPipeline(clusterer=HdbscanClusterer(min_cluster_size, min_samples)).fit(vectors, rows.texts)
    seconds = time.perf_counter() - start
    found = result.labels
    kmeans = KMeans(n_clusters=len(set(rows.labels)), n_init=4, random_state=0).fit_predict(vectors)

    def scores(predicted: np.ndarray) -> dict[str, float]:
        return {"nmi": round(float(normalized_mutual_info_score(labels, predicted)), 4),
                "ari": round(float(adjusted_rand_score(labels, predicted)), 4)}

    metrics = {**scores(found), "n_clusters": int(found.max() + 1), "noise_share": round(result.noise_share, 4),
               "noise_before_assignment": round(result.noise_before_assignment, 4),
               "seconds": round(seconds, 1), "n_labels": len(set(rows.labels))}
    baseline = {**scores(kmeans), "n_clusters": len(set(rows.labels)), "noise_share": 0.0}
    examples = {result.names[c]: [rows.texts[i] for i in result.representatives[c][:2]]
                for c in list(result.names)[:10]}
    report = {"task": "clusters", "data": str(data), "model": model_name, "n": len(rows.texts),
              "metrics": metrics, "baseline": baseline,
              "details": {"baseline": "k-means on the same vectors with k = number of labels (k is unknown in production)",
                          "similarity_threshold": round(result.threshold, 4), "examples": examples}}
    write_report(out, report)
    return report
