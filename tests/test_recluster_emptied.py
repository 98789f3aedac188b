"""A cluster that keeps no message once boundary messages stay put is dropped, not written empty."""

from datetime import timedelta

import numpy as np

from clustering import ClusterPipeline, NoReduction, VectorsOnly  # the clusterer reads the vectors themselves
from clustering.matching import Matching
from jobs import ReclusterSettings, current_clusters, run_recluster
from jobs.recluster import drop_emptied
from tests.test_jobs_recluster import DIM, NOW, centres, cluster_of, fill  # noqa: F401  (DIM: the store's)


class TopicsWithASplinter:
    """Each point joins its nearest topic centre; with ``splinter``, the third of topic 0's points
    nearest its centre form a cluster of their own (about the same centre)."""

    def __init__(self, splinter: bool) -> None:
        self.splinter = splinter

    def fit(self, points):
        labels = (points @ centres().T).argmax(axis=1).astype(np.int64)
        if self.splinter:
            closeness = np.where(labels == 0, points @ centres()[0], -np.inf)
            central = np.argsort(-closeness)[: int((labels == 0).sum()) // 3]
            labels[central] = 4
        self.labels_ = labels
        return self


def test_a_splinter_cluster_whose_members_all_stay_is_dropped(memory_store, tmp_path):
    store = memory_store
    fill(store)
    settings = ReclusterSettings(min_cluster_size=10, stickiness=1.0)

    def run(splinter):
        pipeline = ClusterPipeline(NoReduction(), TopicsWithASplinter(splinter), view=VectorsOnly(), refine_steps=0)
        return run_recluster(store, tmp_path, NOW - timedelta(days=30), NOW, settings, pipeline=pipeline)

    first = run(False)
    before = cluster_of(store)
    second = run(True)  # the splinter is nearly as close to its members as topic 0 is: all of them stay
    assert first["clusters"] == 4 and second["clusters"] == 4
    assert second["new_ids"] == [] and second["stability"] == 1.0 and second["kept_in_previous_cluster"] > 0
    after = cluster_of(store)
    assert after == before
    registry = current_clusters(store, tmp_path)
    assert sorted(c.payload["cluster_id"] for c in registry) == sorted(set(before.values()) - {None})
    assert all(c.payload["size"] > 0 and np.linalg.norm(c.vector) > 0.5 for c in registry)


def test_drop_emptied_renumbers_labels_and_updates_the_matching():
    matching = Matching(ids=["a", "b", "c2-1", "d"], matched={"a": 0.9, "b": 0.8, "d": 0.7}, minted=["c2-1"],
                        merges=[{"into": "b", "from": ["a", "x"]}], splits=[{"from": "x", "into": ["b", "c2-1"]}],
                        gone=["x"])
    labels = np.array([0, 0, 3, -1, 3, 0])  # b and c2-1 kept nobody
    renumbered, source = drop_emptied(labels, matching)
    assert renumbered.tolist() == [0, 0, 1, -1, 1, 0] and source.tolist() == [0, 3]
    assert matching.ids == ["a", "d"] and matching.minted == [] and sorted(matching.gone) == ["b", "x"]
    assert "b" not in matching.matched and matching.merges == [] and matching.splits == []
    untouched = Matching(ids=["a"], matched={"a": 1.0})
    same, every = drop_emptied(np.array([0, -1]), untouched)
    assert same.tolist() == [0, -1] and every.tolist() == [0] and untouched.ids == ["a"]
