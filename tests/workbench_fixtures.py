"""A run in force written by hand (cluster items + jobs.state files) for the workbench tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from clustering import CentroidModel
from jobs.state import RunState, item_id, run_dir, write_assignments, write_current

DIM = 16
CLUSTERS = {
    "c1-1": ("приложение вылетает / оплата", ["Приложение вылетает при оплате", "Вылетает на экране оплаты"]),
    "c1-2": ("курьер / опоздал", ["Курьер опоздал на час", "Доставка опять опоздала"]),
    "c1-3": ("промокод / не работает", ["Промокод не применяется", "Скидка по промокоду не сработала"]),
}


def payload(cluster_id: str, run_id: str, size: int = 20, status: str = "stable") -> dict:
    name, examples = CLUSTERS[cluster_id]
    return {"cluster_id": cluster_id, "run_id": run_id, "name": name, "keywords": name.split(" / "),
            "examples": examples, "example_ids": [f"{cluster_id}-{i}" for i in range(len(examples))], "size": size,
            "daily_counts": {"2024-05-01": size}, "sentiment_mix": {"negative": 0.5, "neutral": 0.5},
            "mean_rating": 0.3, "rated": size, "channels": {"chat": size}, "first_seen": "2024-05-01T00:00:00+00:00",
            "last_seen": "2024-05-01T00:00:00+00:00", "repeat_contacts": 2, "negative": size // 2, "topic": None,
            "owner": None, "topic_share": 0.2, "mapping": "unmapped: candidate new topic", "status": status,
            "emerging": status in ("new", "growing"), "growth": {"ratio": 1.0}}


def write_run(store, state_dir: Path, sequence: int = 1, cluster_ids=("c1-1", "c1-2", "c1-3"), sizes=None) -> str:
    run_id = f"r{sequence}"
    ids = list(cluster_ids)
    rng = np.random.default_rng(sequence)
    centroids = rng.normal(size=(len(ids), DIM)).astype(np.float32)
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    sizes = sizes or {c: 20 for c in ids}
    store.clusters.upsert([item_id(run_id, c) for c in ids], centroids,
                          [payload(c, run_id, sizes[c], "new" if c == "c1-3" else "stable") for c in ids])
    folder = run_dir(state_dir, run_id)
    CentroidModel(centroids, 0.5).save(folder, {"run_id": run_id, "cluster_ids": ids})
    write_assignments(folder, iter([(f"m-{c}-{i}", c) for c in ids for i in range(sizes[c])]))
    (folder / "report.json").write_text('{"new_ids": [], "gone_ids": [], "merges": [], "splits": []}')
    write_current(state_dir, RunState(run_id, sequence, "2024-04-01T00:00:00+00:00", "2024-05-02T00:00:00+00:00",
                                      0.5, DIM, ids, applied=True))
    return run_id
