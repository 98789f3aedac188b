"""The nightly run starts from the previous run's clusters: one more fit does not merge or split them."""

from dataclasses import replace
from datetime import timedelta

import numpy as np
import pytest

from clustering import ClusterPipeline, NoReduction, VectorsOnly  # the clusterer reads the vectors themselves
from jobs import ReclusterSettings, run_recluster
from tests.test_jobs_recluster import DIM, NOW, centres, cluster_of, fill, messages  # noqa: F401  (DIM: the store's)


class NearestTopic:
    """Each point joins its nearest topic centre; ``merge`` topics are reported as one cluster."""

    def __init__(self, merge=()):
        self.merge = merge

    def fit(self, points):
        labels = (points @ centres().T).argmax(axis=1).astype(np.int64)
        for topic in self.merge[1:]:
            labels[labels == topic] = self.merge[0]
        self.labels_ = labels
        return self


@pytest.mark.parametrize("seeded", [True, False])
def test_a_merge_by_the_clusterer_alone_keeps_every_id_when_seeded(memory_store, tmp_path, seeded):
    store = memory_store
    fill(store)
    settings = ReclusterSettings(min_cluster_size=10, seed_previous=seeded)

    def run(merge=(), days_later=0):
        until = NOW + timedelta(days=days_later)
        pipeline = ClusterPipeline(NoReduction(), NearestTopic(merge), view=VectorsOnly(), refine_steps=5)
        return run_recluster(store, tmp_path, until - timedelta(days=30), until, settings, pipeline=pipeline)

    assert run()["clusters"] == 4
    before = cluster_of(store)
    batch, vectors = messages(4, 40, 1, start=0)  # a new topic arrives on the next day
    batch = [replace(m, created_at=m.created_at + timedelta(days=1)) for m in batch]
    store.messages.upsert(batch, vectors)
    second = run(merge=(0, 1), days_later=1)
    after = cluster_of(store)
    new_topic = {after[m.id] for m in batch}
    if seeded:  # the previous clusters as they were, and the new topic under a new id
        assert second["clusters"] == 5 and second["stability"] == 1.0 and second["gone_ids"] == []
        assert len(new_topic) == 1 and None not in new_topic and not new_topic & set(before.values())
    else:  # afresh, the clusterer's merge stands: one previous id is gone, its messages moved
        assert second["clusters"] == 4 and second["stability"] < 0.9 and len(second["gone_ids"]) == 1
        assert len(new_topic) == 1 and not new_topic & set(before.values())
