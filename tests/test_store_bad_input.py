"""Bad input gets a clear store error on both backends, and nothing is half-written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import pytest

from core.errors import VocError
from store import (
    InvalidFilterError,
    InvalidIdError,
    InvalidPayloadError,
    InvalidVectorError,
    MessageFilter,
    NotFoundError,
    StoreError,
    open_store,
)
from tests.store_helpers import DIM, make_messages, make_vectors


@pytest.fixture(scope="module", params=["embedded", "server"])
def store(request, tmp_path_factory):
    """One store per backend for the module: every test checks that it stays unchanged."""
    if request.param == "embedded":
        opened = open_store("embedded", path=tmp_path_factory.mktemp("bad") / "store", dimension=DIM)
    else:
        opened = open_store("server", url=":memory:", dimension=DIM)
    with opened:
        opened.messages.upsert(make_messages(5), make_vectors(5))
        yield opened


def _bad_vectors(kind: str) -> np.ndarray:
    vectors = make_vectors(4, offset=10)
    if kind == "dimension":
        return make_vectors(4, offset=10, dim=DIM + 1)
    if kind == "nan":
        vectors[2, 3] = np.nan
    elif kind == "inf":
        vectors[3, 0] = np.inf
    elif kind == "zero":
        vectors[1] = 0.0
    elif kind == "count":
        return vectors[:3]
    return vectors


@pytest.mark.parametrize("kind", ["dimension", "nan", "inf", "zero", "count"])
def test_bad_vectors_write_nothing(store, kind):
    with pytest.raises(InvalidVectorError):
        store.messages.upsert(make_messages(4, offset=10), _bad_vectors(kind))
    assert store.messages.count() == 5


@pytest.mark.parametrize("bad_id", [17, None, b"bytes", "", 1.5, "x" * 600])
def test_unsupported_ids(store, bad_id):
    messages = make_messages(3, offset=10)
    messages[1] = replace(messages[1], id=bad_id)
    with pytest.raises(InvalidIdError):
        store.messages.upsert(messages, make_vectors(3))
    with pytest.raises(InvalidIdError):
        store.messages.get_many([bad_id])
    assert store.messages.count() == 5


@pytest.mark.parametrize(
    "change",
    [
        {"extra": {"when": datetime.now(UTC)}},
        {"extra": {"tags": {"a", "b"}}},
        {"extra": {"score": float("nan")}},
        {"extra": {"topic": "clash"}},
        {"topic": 3},
        {"rating": "five"},
        {"created_at": "2024-01-01"},
    ],
)
def test_bad_payloads_write_nothing(store, change):
    messages = make_messages(3, offset=10)
    messages[2] = replace(messages[2], **change)
    with pytest.raises(InvalidPayloadError):
        store.messages.upsert(messages, make_vectors(3))
    assert store.messages.count() == 5


def test_unknown_filter_fields(store):
    with pytest.raises(InvalidFilterError, match="colour"):
        MessageFilter.from_dict({"channel": "email", "colour": "red"})
    with pytest.raises(InvalidFilterError):
        store.messages.search(make_vectors(1)[0], MessageFilter(channel=3))
    with pytest.raises(InvalidFilterError):
        store.messages.count(MessageFilter(created_from="yesterday"))
    with pytest.raises(InvalidFilterError):
        store.clusters.all({"colour": "red"})
    with pytest.raises(InvalidFilterError):
        store.messages.counts_by_day("text", datetime(2024, 5, 1).date(), datetime(2024, 5, 2).date())
    with pytest.raises(InvalidFilterError):
        store.messages.delete_where(MessageFilter())
    assert store.messages.count() == 5


def test_bad_queries(store):
    with pytest.raises(InvalidVectorError):
        store.messages.search(np.full(DIM, np.nan))
    with pytest.raises(InvalidVectorError):
        store.messages.search(np.ones(DIM + 2))
    with pytest.raises(InvalidFilterError):
        store.messages.search(np.ones(DIM), limit=0)


def test_updates_are_checked_before_any_write(store):
    with pytest.raises(NotFoundError, match="ghost"):
        store.messages.set_clusters({"msg-0": "c1", "ghost": "c1"})
    with pytest.raises(InvalidPayloadError):
        store.messages.update({"msg-0": {"cluster_id": "c1"}, "msg-1": {"text": "rewritten"}})
    with pytest.raises(InvalidPayloadError):
        store.messages.update({"msg-0": {"cluster_id": "c1"}, "msg-1": {"note": "free text"}})
    with pytest.raises(InvalidPayloadError):
        store.messages.update({"msg-0": {"cluster_id": "c1"}, "msg-1": {"cluster_id": 7}})
    assert store.messages.count(MessageFilter(cluster_id="c1")) == 0


def test_item_payloads(store):
    with pytest.raises(InvalidPayloadError):
        store.clusters.upsert(["c0"], make_vectors(1), [{"status": 1}])
    with pytest.raises(InvalidPayloadError):
        store.clusters.upsert(["c0", "c1"], make_vectors(2), [{"id": "x"}, {}])
    with pytest.raises(InvalidPayloadError):
        store.clusters.upsert(["c0"], make_vectors(1), [{"seen": {1, 2}}])
    assert store.clusters.count() == 0


def test_errors_belong_to_the_product_hierarchy():
    assert issubclass(StoreError, VocError)
    for error in (InvalidVectorError, InvalidIdError, InvalidPayloadError, InvalidFilterError, NotFoundError):
        assert issubclass(error, StoreError)


@pytest.mark.parametrize(
    "change", [{"id": "ab\ud800"}, {"text": "x\ud800y"}, {"channel": "c\udfff"}, {"extra": {"note": ["\ud800"]}}]
)
def test_text_that_is_not_unicode_is_refused_before_the_first_chunk(store, change):
    """A lone surrogate (what a JSON escape like "\\ud800" decodes to) cannot be stored; the 701st
    message of a batch carrying one must not leave the first chunks written."""
    messages = make_messages(1000, offset=100)
    messages[700] = replace(messages[700], **change)
    with pytest.raises((InvalidIdError, InvalidPayloadError), match="Unicode"):
        store.messages.upsert(messages, make_vectors(1000, offset=100))
    assert store.messages.count() == 5
    with pytest.raises(InvalidPayloadError, match="Unicode"):
        store.messages.update({"msg-0": {"topic": "a"}, "msg-1": {"topic": "\ud800"}})
    with pytest.raises(InvalidFilterError, match="Unicode"):
        store.messages.search(make_vectors(1)[0], MessageFilter(channel="\ud800"))
    ids = [f"c{i}" for i in range(1000)]
    payloads = [{"status": "new"} for _ in ids]
    payloads[800] = {"status": "new", "name": "\ud800"}
    with pytest.raises(InvalidPayloadError):
        store.clusters.upsert(ids, make_vectors(1000), payloads)
    assert store.clusters.count() == 0
    assert store.messages.get("msg-0")[0].topic == make_messages(1)[0].topic


def test_deeply_nested_extras_are_a_payload_error(store):
    deep: list = []
    for _ in range(5000):
        deep = [deep]
    messages = make_messages(2, offset=10)
    messages[1] = replace(messages[1], extra={"deep": deep})
    with pytest.raises(InvalidPayloadError, match="msg-11"):
        store.messages.upsert(messages, make_vectors(2))
    with pytest.raises(InvalidPayloadError):
        store.clusters.upsert(["c0"], make_vectors(1), [{"deep": deep}])
    assert store.messages.count() == 5 and store.clusters.count() == 0


def test_limits_and_page_sizes(store):
    query = make_vectors(1)[0]
    for limit in (0, -1, 1.5, True, "3"):
        with pytest.raises(InvalidFilterError, match="limit"):
            store.messages.search(query, limit=limit)
        with pytest.raises(InvalidFilterError, match="limit"):
            store.clusters.search(query, limit=limit)
    assert len(store.messages.search(query, limit=2**70)) == 5
    for size in (0, -1, 1.5, True):
        with pytest.raises(InvalidFilterError, match="batch_size"):
            next(store.messages.iterate(batch_size=size))
    assert [len(batch) for batch in store.messages.iterate(batch_size=2**70)] == [5]


def test_arguments_of_the_wrong_shape(store):
    """A single id where a list is expected, a list where a mapping is expected, times of the wrong type or
    order: each is refused, never read as something else."""
    with pytest.raises(InvalidIdError, match="list of ids"):
        store.messages.get_many("msg-1")
    with pytest.raises(InvalidIdError, match="list of ids"):
        store.messages.delete("msg-1")
    with pytest.raises(InvalidIdError, match="list of ids"):
        store.clusters.upsert("abc", make_vectors(3), [{}, {}, {}])
    with pytest.raises(InvalidPayloadError, match="list of messages"):
        store.messages.upsert(make_messages(1, offset=10)[0], make_vectors(1))
    with pytest.raises(InvalidFilterError):
        MessageFilter.from_dict(["channel"])
    with pytest.raises(InvalidFilterError):
        store.clusters.delete_where(["status"])
    with pytest.raises(InvalidPayloadError):
        store.messages.set_clusters([("msg-0", "c1")])
    with pytest.raises(InvalidFilterError, match="after"):
        store.messages.count(MessageFilter(created_from=datetime(2025, 1, 1), created_to=datetime(2024, 1, 1)))
    day = datetime(2024, 5, 1).date()
    for start, end in ((day.isoformat(), day), (datetime(2024, 5, 1), day), (day, None), (day.replace(day=3), day)):
        with pytest.raises(InvalidFilterError):
            store.messages.counts_by_day("channel", start, end)
    assert store.messages.count() == 5 and store.clusters.count() == 0
