"""How many HNSW candidates a vector search visits (VOC_STORE_SEARCH_EF)."""

import numpy as np
import pytest

from core.settings import STORE_SEARCH_EF, Settings
from service.store_config import open_configured_store
from store import MessageFilter, open_store
from tests.test_store_quantization import DIM, POINTS, _messages, _vectors


@pytest.fixture(scope="module")
def indexed_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ef") / "store"
    with open_store("embedded", path=folder, dimension=DIM) as store:
        store.messages.upsert(_messages(POINTS), _vectors(POINTS))
        store.optimize()
    return folder


def _recall_at_10(folder, search_ef) -> float:
    """Share of the exact 10 nearest points found, over 40 queries near stored points."""
    unit = _vectors(POINTS)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    rng = np.random.default_rng(0)
    queries = unit[rng.choice(POINTS, 40)] + 0.5 * rng.standard_normal((40, DIM)).astype(np.float32) / DIM**0.5
    truth = np.argsort(-(queries @ unit.T), axis=1)[:, :10]
    with open_store("embedded", path=folder, dimension=DIM, search_ef=search_ef) as store:
        assert store.info()["search_ef"] == search_ef
        found = [{int(hit.message.id[1:]) for hit in store.messages.search(query, MessageFilter(), limit=10)}
                 for query in queries]
    return float(np.mean([len(hits & set(row.tolist())) / 10 for hits, row in zip(found, truth, strict=True)]))


def test_more_candidates_find_more_of_the_true_neighbours(indexed_folder):
    narrow, wide = _recall_at_10(indexed_folder, 1), _recall_at_10(indexed_folder, 1000)
    assert wide >= 0.98
    assert wide - narrow > 0.1


@pytest.mark.parametrize("bad", [0, -5, "64", 2.5, True])
def test_a_bad_search_ef_is_refused(tmp_path, bad):
    with pytest.raises(ValueError, match="search_ef must be a positive integer"):
        open_store("embedded", path=tmp_path / "store", dimension=DIM, search_ef=bad)


def test_the_setting_has_a_default_and_reaches_the_store(tmp_path, monkeypatch):
    monkeypatch.delenv("VOC_STORE_SEARCH_EF", raising=False)
    assert Settings().store_search_ef == STORE_SEARCH_EF == 256
    with open_configured_store(Settings(data_dir=tmp_path / "default"), DIM) as store:
        assert store.info()["search_ef"] == 256
    monkeypatch.setenv("VOC_STORE_SEARCH_EF", "300")
    with open_configured_store(Settings(data_dir=tmp_path), DIM) as store:
        assert store.info()["search_ef"] == 300
    monkeypatch.setenv("VOC_STORE_SEARCH_EF", "0")
    with pytest.raises(ValueError):
        Settings()


def test_the_server_backend_sends_the_candidate_count(monkeypatch):
    from qdrant_client import QdrantClient

    sent = []
    real_query = QdrantClient.query_points

    def recording_query(self, name, **options):
        sent.append(options["search_params"])
        return real_query(self, name, **options)

    monkeypatch.setattr(QdrantClient, "query_points", recording_query)
    vectors = _vectors(20)
    for search_ef in (256, None):
        with open_store("server", url=":memory:", dimension=DIM, search_ef=search_ef) as store:
            store.messages.upsert(_messages(20), vectors)
            assert store.messages.search(vectors[3], MessageFilter(), limit=1)[0].message.id == "m3"
    assert [params.hnsw_ef for params in sent] == [256, None]
    assert all(params.quantization.rescore for params in sent)
