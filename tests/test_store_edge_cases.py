"""Edge cases found by probing the store as an integrating developer would, on both backends.

Each test names the scenario; the server backend runs on qdrant-client's in-process mode.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest

from store import (
    BackendError,
    InvalidFilterError,
    InvalidPayloadError,
    InvalidVectorError,
    MessageFilter,
    SnapshotError,
    StoreError,
    open_store,
)
from store.records import point_id
from tests.store_helpers import DIM, START, make_messages, make_vectors

N = 12


def _open(kind: str, tmp_path, **options):
    if kind == "embedded":
        return open_store("embedded", path=tmp_path / "store", dimension=DIM, **options)
    return open_store("server", url=":memory:", dimension=DIM, **options)


@pytest.fixture(params=["embedded", "server"])
def kind(request):
    return request.param


@pytest.fixture
def store(kind, tmp_path):
    with _open(kind, tmp_path) as opened:
        opened.messages.upsert(make_messages(N), make_vectors(N))
        yield opened


def test_count_contacts_without_a_customer_or_topic_is_refused(store):
    """None once widened the count to every customer's (or every topic's) contacts."""
    until = START + timedelta(days=30)
    assert store.messages.count_contacts("cust-0", "billing", START, until) == 1
    with pytest.raises(InvalidFilterError, match="customer_id"):
        store.messages.count_contacts(None, "billing", START, until)
    with pytest.raises(InvalidFilterError, match="topic_id"):
        store.messages.count_contacts("cust-0", None, START, until)


@pytest.mark.parametrize(
    "change",
    [{"rating": 10**400}, {"created_at": datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14)))}],
    ids=["rating-beyond-float", "created-before-utc-range"],
)
def test_numbers_out_of_range_are_payload_errors_and_write_nothing(store, change):
    """They raised a bare OverflowError."""
    messages = make_messages(3, offset=100)
    messages[2] = replace(messages[2], **change)
    with pytest.raises(InvalidPayloadError, match="msg-102"):
        store.messages.upsert(messages, make_vectors(3))
    assert store.messages.count() == N


def test_dicts_instead_of_messages_are_refused_as_such(store):
    """A list of dicts was refused with 'got None' about an id the dict did have."""
    with pytest.raises(InvalidPayloadError, match="expected a store.Message, got dict"):
        store.messages.upsert([{"id": "d-1", "text": "hello"}], make_vectors(1))
    assert store.messages.count() == N


def test_complex_vectors_are_refused(store):
    """NumPy's cast to float32 silently dropped the imaginary parts."""
    vectors = make_vectors(2, offset=100).astype(np.complex64) * (1 + 1j)
    with pytest.raises(InvalidVectorError, match="complex"):
        store.messages.upsert(make_messages(2, offset=100), vectors)
    with pytest.raises(InvalidVectorError, match="complex"):
        store.messages.search(vectors[0])
    with pytest.raises(InvalidVectorError, match="complex"):
        store.clusters.upsert(["c0"], vectors[:1], [{}])
    assert store.messages.count() == N and store.clusters.count() == 0


def test_item_ids_named_twice_are_deleted_and_counted_once(store):
    """The server backend counted a repeated id twice, the embedded one once."""
    store.clusters.upsert(["c0", "c1"], make_vectors(2), [{"status": "new"}, {"status": "new"}])
    assert store.clusters.delete(["c0", "c0", "gone"]) == 1
    assert [item.id for item in store.clusters.all()] == ["c1"]


def test_item_payloads_may_come_from_any_iterable_but_not_a_single_mapping(store):
    """A generator of payloads raised a bare TypeError (its len()); one dict was read as its keys."""
    assert store.clusters.upsert(["c0", "c1"], make_vectors(2), ({"status": s} for s in ("new", "old"))) == 2
    assert [item.payload for item in store.clusters.all()] == [{"status": "new"}, {"status": "old"}]
    with pytest.raises(InvalidPayloadError, match="list of payloads"):
        store.prototypes.upsert(["p0"], make_vectors(1), {"topic": "billing"})
    assert store.prototypes.count() == 0


def test_a_closed_store_says_it_is_closed(kind, tmp_path):
    """The engine said 'Shard is not initialized' (embedded) or named its client's mode (server)."""
    store = _open(kind, tmp_path)
    store.messages.upsert(make_messages(3), make_vectors(3))
    store.close()
    calls = [
        lambda: store.messages.count(),
        lambda: store.messages.get("msg-1"),
        lambda: store.messages.search(make_vectors(1)[0]),
        lambda: next(store.messages.iterate()),
        lambda: store.messages.upsert(make_messages(1, offset=50), make_vectors(1)),
        lambda: store.clusters.all(),
        lambda: store.info(),
    ]
    for call in calls:
        with pytest.raises(BackendError, match="the store is closed; open it again"):
            call()


def test_a_backup_that_fails_midway_leaves_no_partial_folder(kind, tmp_path):
    """An engine or server error (not a file-system one) left `<folder>.partial` behind."""
    store = _open(kind, tmp_path)
    store.messages.upsert(make_messages(3), make_vectors(3))
    store.close()
    with pytest.raises(BackendError):
        store.backup(tmp_path / "snap")
    assert sorted(path.name for path in tmp_path.iterdir() if path.name.startswith("snap")) == []


def test_an_embedded_store_path_that_is_a_file_is_a_store_error(tmp_path):
    """It raised a bare FileExistsError / NotADirectoryError."""
    (tmp_path / "file").write_text("x", encoding="utf-8")
    for path in (tmp_path / "file", tmp_path / "file" / "store"):
        with pytest.raises(StoreError, match="must be a folder"):
            open_store("embedded", path=path, dimension=DIM)


@pytest.mark.parametrize("prefix", ["../escape", "a/b", "voc\n"])
def test_a_prefix_that_is_no_plain_name_is_refused_before_anything_is_created(kind, tmp_path, prefix):
    """`prefix="../x"` put the embedded collections outside the store's folder, beyond its lock."""
    with pytest.raises(ValueError, match="prefix"):
        _open(kind, tmp_path / "inside", prefix=prefix)
    assert list(tmp_path.iterdir()) == []


def test_a_bad_dimension_creates_no_folder(tmp_path):
    with pytest.raises(ValueError, match="dimension"):
        open_store("embedded", path=tmp_path / "store", dimension=0)
    assert not (tmp_path / "store").exists()


def _rewrite_first_message(snapshot, change) -> None:
    part = snapshot / "messages" / "part-00000.jsonl"
    rows = [json.loads(line) for line in part.read_text(encoding="utf-8").splitlines()]
    change(rows[0]["payload"])
    part.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")


@pytest.mark.parametrize(
    "change",
    [
        lambda payload: payload.update(doc="not json"),
        lambda payload: payload.update(doc="{}"),
        lambda payload: payload.update(doc=json.dumps({**json.loads(payload["doc"]), "created_at": "someday"})),
        lambda payload: payload.update(channel=5),
    ],
    ids=["doc-not-json", "doc-without-fields", "created-at-not-iso", "channel-not-a-string"],
)
def test_restore_refuses_messages_it_could_not_read_back(store, tmp_path, change):
    """Such a snapshot was restored, and every later get or iterate over it failed with a bare
    JSONDecodeError or KeyError (or returned a channel that is not a string)."""
    snapshot = store.backup(tmp_path / "snap")
    _rewrite_first_message(snapshot, change)
    with pytest.raises(SnapshotError, match="line 1"):
        store.restore(snapshot)
    assert store.messages.count() == N
    assert sum(len(batch.messages) for batch in store.messages.iterate()) == N


def test_restore_onto_a_fresh_store_of_the_other_backend_and_back(tmp_path):
    """A snapshot restores into a fresh store and over a store holding other data, in both directions."""
    with _open("server", tmp_path) as server:
        server.messages.upsert(make_messages(N), make_vectors(N))
        server.clusters.upsert(["c0"], make_vectors(1), [{"status": "new", "size": 3}])
        snapshot = server.backup(tmp_path / "from-server")
    with _open("embedded", tmp_path) as embedded:
        embedded.messages.upsert(make_messages(4, offset=500), make_vectors(4, offset=500))
        assert embedded.restore(snapshot) == {"messages": N, "clusters": 1, "prototypes": 0}
        assert embedded.messages.get("msg-500") is None
        assert embedded.messages.get("msg-3")[0] == make_messages(N)[3]
        assert embedded.clusters.get(["c0"])[0].payload == {"status": "new", "size": 3}
        back = embedded.backup(tmp_path / "from-embedded")
    with _open("server", tmp_path) as server:
        assert server.restore(back)["messages"] == N
        assert server.messages.get_many(["msg-5", "nope", "msg-2"]).ids == ["msg-5", "msg-2"]
    assert point_id("msg-3") in (snapshot / "messages" / "part-00000.jsonl").read_text(encoding="utf-8")


def test_day_boundaries_are_utc_for_filters_and_counts(kind, tmp_path):
    """The last microsecond of a UTC day counts on that day; a time in another zone counts on its UTC day."""
    moscow = timezone(timedelta(hours=3))
    times = {
        "last-of-may-1": datetime(2024, 5, 1, 23, 59, 59, 999999, tzinfo=UTC),
        "first-of-may-2": datetime(2024, 5, 2, tzinfo=UTC),
        "moscow-may-2-is-utc-may-1": datetime(2024, 5, 2, 2, 30, tzinfo=moscow),
        "naive-is-utc": datetime(2024, 5, 2, 0, 0, 0, 1),
        "may-3": datetime(2024, 5, 3, tzinfo=UTC),
    }
    base = make_messages(1)[0]
    with _open(kind, tmp_path) as store:
        store.messages.upsert([replace(base, id=k, created_at=t) for k, t in times.items()], make_vectors(5))
        expected = {date(2024, 5, 1): 2, date(2024, 5, 2): 2}
        for field in ("topic", "priority"):  # indexed (facets) and not indexed (a scan)
            assert store.messages.counts_by_day(field, date(2024, 5, 1), date(2024, 5, 3)) == {
                getattr(base, field): expected
            }
        may_2 = {"created_from": datetime(2024, 5, 2, 3, tzinfo=moscow), "created_to": datetime(2024, 5, 3)}
        window = MessageFilter.from_dict(may_2)
        assert store.messages.count(window) == 2
        assert {hit.message.id for hit in store.messages.search(make_vectors(1)[0], window, limit=10)} == {
            "first-of-may-2",
            "naive-is-utc",
        }


def test_the_server_backend_sends_many_ids_in_several_requests(monkeypatch, tmp_path):
    """Deletes, payload updates and reads by id are cut into requests of a bounded number of ids (a
    server refuses requests over its size limit); every id is still acted on."""
    import store.server as server

    monkeypatch.setattr(server, "_REQUEST_IDS", 5)
    sent = []
    with _open("server", tmp_path) as opened:
        opened.messages.upsert(make_messages(N), make_vectors(N))
        client = opened.messages._collection._client
        for method in ("delete", "set_payload", "retrieve"):
            monkeypatch.setattr(client, method, _counting(getattr(client, method), method, sent))
        ids = [m.id for m in make_messages(N)]
        assert opened.messages.set_clusters({message_id: "c-1" for message_id in ids}) == N
        assert sent.count("set_payload") == 3  # 12 ids, 5 a request
        assert [m.cluster_id for m in opened.messages.get_many(ids).messages] == ["c-1"] * N
        assert opened.messages.delete(ids[:11]) == 11 and sent.count("delete") == 3
        assert opened.messages.count() == 1
        assert opened.clusters.delete([]) == 0


def _counting(method, name: str, calls: list):
    def counted(*args, **kwargs):
        calls.append(name)
        return method(*args, **kwargs)

    return counted


def test_an_id_given_twice_in_one_upsert_counts_once_and_the_later_message_is_kept(kind, tmp_path):
    with _open(kind, tmp_path) as opened:
        first, = make_messages(1)
        later = replace(first, text="исправленный текст")
        assert opened.messages.upsert([first, later], make_vectors(2)) == 1
        assert opened.messages.count() == 1 and opened.messages.get(first.id)[0].text == "исправленный текст"


def test_numpy_ratings_are_numbers_and_a_vector_beyond_float32_is_named_as_such(kind, tmp_path):
    with _open(kind, tmp_path) as opened:
        rated = [replace(message, rating=rating) for message, rating in
                 zip(make_messages(3), [np.int64(4), np.float32(2.5), np.float64(1.0)])]
        assert opened.messages.upsert(rated, make_vectors(3)) == 3
        assert [m.rating for m in opened.messages.get_many([m.id for m in rated]).messages] == [4.0, 2.5, 1.0]
        with pytest.raises(InvalidPayloadError, match="rating must be a finite number"):
            opened.messages.upsert([replace(rated[0], rating=np.bool_(True))], make_vectors(1))
        huge = make_vectors(1).astype(np.float64) * 1e300
        with pytest.raises(InvalidVectorError, match="beyond the range of float32"):
            opened.messages.upsert(make_messages(1, offset=50), huge)
        with pytest.raises(InvalidVectorError, match="NaN or infinity"):
            opened.messages.upsert(make_messages(1, offset=50), np.full((1, DIM), np.nan))
