"""Vector placement of the store: int8 copies for the index, exact cosines for the caller."""

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from core.settings import Settings
from service.store_config import open_configured_store
from store import Message, MessageFilter, open_store

DIM = 384
POINTS = 8000  # above the engine's indexing threshold at this dimension, so optimize() builds an index


def _messages(count: int) -> list[Message]:
    created = datetime(2026, 11, 1, tzinfo=UTC)
    return [Message(id=f"m{i}", text=f"message {i}", created_at=created, channel=("chat", "email")[i % 2])
            for i in range(count)]


def _vectors(count: int) -> np.ndarray:
    return np.random.default_rng(3).standard_normal((count, DIM), dtype=np.float32)


def _files_named(folder: Path, word: str) -> list[Path]:
    return [path for path in folder.rglob("*") if word in path.name]


@pytest.fixture(scope="module")
def indexed(tmp_path_factory):
    """The same points in an int8 store and a float32 store, both indexed."""
    vectors = _vectors(POINTS)
    stores = {}
    for quantization in ("int8", "none"):
        folder = tmp_path_factory.mktemp(quantization) / "store"
        store = open_store("embedded", path=folder, dimension=DIM, quantization=quantization)
        store.messages.upsert(_messages(POINTS), vectors)
        store.optimize()
        stores[quantization] = (store, folder)
    yield stores, vectors
    for store, _ in stores.values():
        store.close()


def test_int8_builds_quantized_copies_and_none_does_not(indexed):
    stores, _ = indexed
    int8_store, int8_folder = stores["int8"]
    none_store, none_folder = stores["none"]
    assert int8_store.info()["tables"]["messages"]["indexed_vectors"] == POINTS
    assert none_store.info()["tables"]["messages"]["indexed_vectors"] == POINTS
    assert _files_named(int8_folder, "quantized")
    assert not _files_named(none_folder, "quantized")
    assert int8_store.info()["quantization"] == "int8" and none_store.info()["quantization"] == "none"


def test_int8_search_returns_exact_cosines(indexed):
    stores, vectors = indexed
    store, _ = stores["int8"]
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    for index in (5, 1234, 7999):
        hits = store.messages.search(vectors[index], MessageFilter(), limit=5)
        assert hits[0].message.id == f"m{index}"
        for hit in hits:
            exact = float(unit[int(hit.message.id[1:])] @ unit[index])
            assert hit.score == pytest.approx(exact, abs=1e-5)  # rescored, not the int8 estimate


def test_int8_filters_like_none(indexed):
    stores, vectors = indexed
    for quantization in ("int8", "none"):
        store, _ = stores[quantization]
        hits = store.messages.search(vectors[10], MessageFilter(channel="email"), limit=10)
        assert len(hits) == 10 and all(hit.message.channel == "email" for hit in hits)


def test_a_float32_store_reopens_with_int8_and_keeps_every_point(tmp_path):
    folder = tmp_path / "store"
    vectors = _vectors(POINTS)
    with open_store("embedded", path=folder, dimension=DIM, quantization="none") as store:
        store.messages.upsert(_messages(POINTS), vectors)
    with open_store("embedded", path=folder, dimension=DIM, quantization="int8") as store:
        assert store.messages.count() == POINTS
        store.optimize()
        assert store.messages.search(vectors[42], MessageFilter(), limit=1)[0].message.id == "m42"
    assert _files_named(folder, "quantized")


def test_an_unknown_quantization_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown quantization 'int4'"):
        open_store("embedded", path=tmp_path / "store", dimension=DIM, quantization="int4")


def test_settings_default_to_int8_and_reach_the_embedded_store(tmp_path, monkeypatch):
    monkeypatch.delenv("VOC_STORE_QUANTIZATION", raising=False)
    assert Settings().store_quantization == "int8"
    monkeypatch.setenv("VOC_STORE_QUANTIZATION", "none")
    settings = Settings(data_dir=tmp_path)
    with open_configured_store(settings, DIM) as store:
        assert store.info()["quantization"] == "none"


def test_the_server_backend_creates_collections_with_int8_copies(monkeypatch):
    from qdrant_client import QdrantClient, models

    created = {}
    real_create = QdrantClient.create_collection

    def recording_create(self, name, **options):
        created[name] = options
        return real_create(self, name, **options)

    monkeypatch.setattr(QdrantClient, "create_collection", recording_create)
    with open_store("server", url=":memory:", dimension=DIM, quantization="int8") as store:
        assert store.info()["quantization"] == "int8"
        vectors = _vectors(20)
        store.messages.upsert(_messages(20), vectors)
        assert store.messages.search(vectors[3], MessageFilter(), limit=1)[0].message.id == "m3"
    options = created["voc_messages"]
    assert options["vectors_config"].on_disk is True
    assert options["quantization_config"].scalar.type == models.ScalarType.INT8
    assert options["quantization_config"].scalar.always_ram is True
    with open_store("server", url=":memory:", dimension=DIM, quantization="none"):
        pass
    assert created["voc_messages"]["quantization_config"] is None
