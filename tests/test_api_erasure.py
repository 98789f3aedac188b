"""Erasure: a customer's messages, messages past retention, one message; their texts leave the
cluster examples too, and a nightly run going on makes erasure wait."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from jobs.erasure import erase_ids, erase_where
from jobs.state import run_lock
from store import Message, open_store
from tests.test_api_messages import message, open_client


@pytest.fixture
def client(tiny_settings, tmp_path):
    with open_client(tiny_settings, tmp_path) as test_client:
        yield test_client


def ingest(client, message_id, customer, created_at="2026-11-20T09:15:00+03:00"):
    body = message(id=message_id, text=f"курьер опоздал w{message_id}", customer={"id": customer},
                   created_at=created_at)
    assert client.post("/v1/messages", json=body).status_code == 201


def test_a_customers_messages_are_erased_and_no_one_elses(client):
    for index in range(3):
        ingest(client, f"a-{index}", "c-1")
    ingest(client, "b-0", "c-2")
    answer = client.post("/v1/admin/erase", json={"customer_id": "c-1"})
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"deleted": 3, "examples_removed": 0}
    assert [client.get(f"/v1/messages/a-{index}").status_code for index in range(3)] == [404, 404, 404]
    assert client.get("/v1/messages/b-0").status_code == 200
    assert client.post("/v1/admin/erase", json={"customer_id": "c-1"}).json()["deleted"] == 0


def test_retention_erases_what_is_older_than_the_limit(client):
    ingest(client, "old", "c-1", created_at="2025-01-10T10:00:00+00:00")
    ingest(client, "new", "c-1", created_at="2026-11-20T10:00:00+00:00")
    answer = client.post("/v1/admin/erase", json={"before": "2026-01-01T00:00:00Z"})
    assert answer.json()["deleted"] == 1
    assert client.get("/v1/messages/old").status_code == 404 and client.get("/v1/messages/new").status_code == 200


def test_one_message_is_erased_and_its_id_can_be_sent_again(client):
    ingest(client, "one", "c-1")
    assert client.delete("/v1/messages/one").json() == {"deleted": 1, "examples_removed": 0}
    assert client.get("/v1/messages/one").status_code == 404
    assert client.delete("/v1/messages/one").status_code == 404
    ingest(client, "one", "c-1")


@pytest.mark.parametrize(("body", "words"), [
    ({}, "nothing is erased wholesale"),
    ({"customer_id": ""}, "customer_id"),
    ({"before": (datetime.now(UTC) + timedelta(days=2)).isoformat()}, "future"),
    ({"customer_id": "c-1", "everyone": True}, "everyone"),
])
def test_an_erasure_that_says_too_little_or_too_much_is_refused(client, body, words):
    ingest(client, "kept", "c-1")
    answer = client.post("/v1/admin/erase", json=body)
    assert answer.status_code == 422 and words in answer.text, answer.text
    assert client.get("/v1/messages/kept").status_code == 200


def test_erasure_waits_for_a_nightly_run_going_on(client, tmp_path):
    ingest(client, "busy", "c-1")
    with run_lock(tmp_path / "data" / "clusters"):  # the data folder of tiny_settings
        answer = client.post("/v1/admin/erase", json={"customer_id": "c-1"})
    assert answer.status_code == 409 and "nightly run" in answer.text and answer.headers["Retry-After"]
    assert client.get("/v1/messages/busy").status_code == 200


DIM = 8


@pytest.fixture
def store():
    with open_store("server", url=":memory:", dimension=DIM) as opened:
        yield opened


def stored(store, customers):
    now = datetime(2026, 11, 20, tzinfo=UTC)
    messages = [Message(id=f"m-{i}", text=f"text {i}", created_at=now, customer_id=customer)
                for i, customer in enumerate(customers)]
    vectors = np.eye(DIM, dtype=np.float32)[: len(messages)]
    store.messages.upsert(messages, vectors)
    store.clusters.upsert(["r1:k1", "r1:k2"], np.eye(DIM, dtype=np.float32)[:2], [
        {"cluster_id": "k1", "examples": ["text 0", "text 1", "text 2"], "example_ids": ["m-0", "m-1", "m-2"]},
        {"cluster_id": "k2", "examples": ["text 3"], "example_ids": ["m-3"]}])


def examples(store):
    return {item.payload["cluster_id"]: (item.payload["examples"], item.payload["example_ids"])
            for item in store.clusters.all(with_vectors=False)}


def test_erased_texts_leave_the_cluster_examples(store, tmp_path):
    stored(store, ["c-1", "c-2", "c-1", "c-3"])
    erasure = erase_where(store, tmp_path, customer_id="c-1")
    assert (erasure.messages, erasure.examples) == (2, 2)
    assert examples(store) == {"k1": (["text 1"], ["m-1"]), "k2": (["text 3"], ["m-3"])}
    assert erase_ids(store, tmp_path, ["m-3", "m-9"]).as_dict() == {"deleted": 1, "examples_removed": 1}
    assert examples(store)["k2"] == ([], [])
    assert store.messages.count() == 1


def test_erasure_without_a_customer_or_a_limit_is_refused(store, tmp_path):
    stored(store, ["c-1"])
    with pytest.raises(ValueError, match="customer id or a time"):
        erase_where(store, tmp_path)
    assert store.messages.count() == 1
