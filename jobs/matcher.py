"""New messages between runs: the nearest cluster of the run in force, by the centroid rule.

The rule (and threshold) are the ones the run used for its noise and unsampled messages,
so a message gets the cluster the next run would most likely give it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from analysis.stages import ClusterMatch
from clustering import CentroidModel
from jobs.state import current_clusters, read_current


class CurrentClusters:
    """A `ClusterMatcher` for the analyser: `nearest(vectors)` → ClusterMatch or None per vector."""

    def __init__(self, ids: list[str], names: list[str], statuses: list[str], model: CentroidModel) -> None:
        self.ids = ids
        self.names = names
        self.statuses = statuses
        self.model = model

    @classmethod
    def load(cls, store, state_dir: Path) -> CurrentClusters | None:
        """The run in force, or None before the first run."""
        state = read_current(state_dir)
        items = current_clusters(store, state_dir)
        if state is None or not items:
            return None
        centroids = np.vstack([item.vector for item in items]).astype(np.float32)
        return cls([i.payload["cluster_id"] for i in items], [i.payload.get("name", "") for i in items],
                   [i.payload.get("status", "stable") for i in items], CentroidModel(centroids, state.threshold))

    def nearest(self, vectors: np.ndarray) -> list[ClusterMatch | None]:
        labels, scores = self.model.nearest(np.asarray(vectors, dtype=np.float32))
        return [None if label < 0 else ClusterMatch(self.ids[label], self.names[label], round(float(score), 4),
                                                    self.statuses[label])
                for label, score in zip(labels.tolist(), scores.tolist(), strict=True)]
