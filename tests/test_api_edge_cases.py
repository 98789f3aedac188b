"""Hostile and careless inputs to the routing API, end to end: each answer a clear 4xx or the stored analysis."""

import httpx
import pytest

from client import VocClient
from tests.test_api_messages import message, open_client


@pytest.fixture
def client(tiny_settings, tmp_path):
    with open_client(tiny_settings, tmp_path) as test_client:
        yield test_client


def post_raw(client, path, body: bytes):
    return client.post(path, content=body, headers={"content-type": "application/json"})


def counted(client, prefix="voc_messages_total{"):
    lines = client.get("/metrics").text.splitlines()
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix))


@pytest.mark.parametrize("window", [{"until": "0001-01-01T00:00:00+14:00"}, {"since": "9999-12-31T23:59:59-12:00"}])
def test_similar_refuses_a_window_out_of_range_in_utc(client, window):
    client.post("/v1/messages", json=message())
    answer = client.get("/v1/messages/m-1/similar", params=window)
    (name,) = window
    assert answer.status_code == 422 and answer.json()["detail"].startswith(f"{name}: ")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'{"id": "d-1", "text": "x", "metadata": {"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}}", "nested too deeply"),
        (b'{"id": "d-1", "text": "x", "rating": ' + b"9" * 5_000 + b', "rating_scale": "nps_0_10"}', "too many digits"),
        (b'{"id": "d-1", "text": "\xff\xfe"}', "not valid UTF-8"),
    ],
)
def test_bodies_the_parser_cannot_read_are_422_naming_the_body(client, body, words):
    answer = post_raw(client, "/v1/messages", body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"] == [{"field": "body", "message": answer.json()["detail"].removeprefix("body: ")}]
    assert words in answer.json()["detail"]
    assert client.get("/v1/messages/d-1").status_code == 404


@pytest.mark.parametrize(
    ("path", "body", "key"),
    [
        ("/v1/messages", '{"id": "k-1", "text": "курьер", "id": "k-2"}'.encode(), "'id'"),
        ("/v1/messages", b'{"id": "k-1", "text": "x w1", "metadata": {"a": 1, "a": 2}}', "'a'"),
        ("/v1/messages:batch",
         b'{"messages": [{"id": "k-1", "text": "x w1"}], "messages": [{"id": "k-2", "text": "y"}]}', "'messages'"),
    ],
)
def test_a_key_given_twice_is_refused_not_silently_dropped(client, path, body, key):
    answer = post_raw(client, path, body)
    assert answer.status_code == 422 and key in answer.json()["detail"], answer.text
    assert answer.json()["errors"][0]["field"] == "body"
    assert client.get("/v1/messages/k-1").status_code == 404 and client.get("/v1/messages/k-2").status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/embed", b'{"texts": ["a"], "texts": ["b"]}'),
        ("/v1/admin/erase", b'{"customer_id": "c-1", "customer_id": "c-2"}'),
        ("/v1/admin/recluster", b'{"since": "7d", "since": "30d"}'),
        ("/v1/clusters/k1:rename", b'{"name": "a", "name": "b"}'),
    ],
)
def test_every_json_route_reads_bodies_the_same_strict_way(client, path, body):
    answer = post_raw(client, path, body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["errors"][0]["field"] == "body" and "twice" in answer.json()["detail"]


def test_replace_applies_other_fields_sent_with_the_same_text(client):
    client.post("/v1/messages", json=message())
    corrected = message(channel="email", rating=1, rating_scale="csat_1_5", customer={"id": "c-7"})
    replayed = client.post("/v1/messages", json=corrected)
    assert replayed.status_code == 200 and replayed.json()["channel"] == "chat"  # without replace: the stored one
    replaced = client.post("/v1/messages?replace=true", json=corrected)
    assert replaced.status_code == 201, replaced.text
    analysis = replaced.json()
    assert (analysis["channel"], analysis["rating"], analysis["customer_id"]) == ("email", 1, "c-7")
    assert client.get("/v1/messages/m-1").json() == replaced.json()
    same_in_other_words = {**corrected, "rating": 1.0, "created_at": "2026-11-20T06:15:00Z"}
    again = client.post("/v1/messages?replace=true", json=same_in_other_words)
    assert again.status_code == 200 and again.json() == replaced.json()


def test_a_replacement_is_counted_as_such_not_as_another_message(client):
    client.post("/v1/messages", json=message())
    client.post("/v1/messages?replace=true", json=message(text="refund where is my"))
    batch = client.post("/v1/messages:batch?replace=true",
                        json={"messages": [message(text="курьер опоздал w2"), message(id="m-2")]}).json()
    assert [(r["created"], r["replaced"]) for r in batch["results"]] == [(True, True), (True, False)]
    assert client.get("/v1/messages/m-1").json() == batch["results"][0]["analysis"]
    assert counted(client) == 2.0
    assert counted(client, "voc_messages_replaced_total ") == 2.0


def test_a_batch_of_which_nothing_is_stored_gets_the_status_of_a_single_call(client):
    client.post("/v1/messages:batch", json={"messages": [message(id="c-1"), message(id="c-2")]})
    conflicts = client.post("/v1/messages:batch", json={"messages": [message(id="c-1", text="другой"),
                                                                     message(id="c-2", text="иной")]})
    assert conflicts.status_code == 409, conflicts.text
    body = conflicts.json()
    assert "replace=true" in body["detail"] and (body["stored"], body["rejected"], body["results"]) == (0, 2, [])
    assert [(e["index"], e["status"]) for e in body["errors"]] == [(0, 409), (1, 409)]
    mixed = client.post("/v1/messages:batch", json={"messages": [message(id="c-1", text="другой"), {"id": "c-3"}]})
    assert mixed.status_code == 422 and [e["status"] for e in mixed.json()["errors"]] == [409, 422]
    invalid = client.post("/v1/messages:batch", json={"messages": [{"id": "c-3"}]})
    assert invalid.status_code == 422 and invalid.json()["errors"][0]["status"] == 422
    assert client.get("/v1/messages/c-1").json()["text"] == message()["text"]
    assert client.get("/v1/messages/c-3").status_code == 404


def test_the_client_returns_the_answer_of_a_batch_that_stored_nothing(client):
    def handle(request: httpx.Request) -> httpx.Response:
        answer = client.request(request.method, request.url.raw_path.decode("ascii"), content=request.content,
                                headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    with VocClient("http://testserver", transport=httpx.MockTransport(handle)) as voc:
        voc.analyse_batch([message(id="c-1")])
        answer = voc.analyse_batch([message(id="c-1", text="другой")])
        assert answer["stored"] == 0 and answer["errors"][0]["status"] == 409
        for dots in (".", ".."):
            stored = voc.analyse(message(id=dots))
            assert voc.get_message(dots) == stored and voc.similar(dots)["id"] == dots


def test_get_routes_answer_head(client):
    client.post("/v1/messages", json=message())
    for path in ("/v1/messages/m-1", "/v1/messages/m-1/similar", "/v1/topics", "/metrics"):
        answer = client.head(path)
        assert (answer.status_code, answer.content) == (200, b""), path
    assert client.head("/v1/messages/nope").status_code == 404


def test_a_number_as_created_at_is_refused_also_in_a_string(client):
    for moment in ("1731000000", "1731000000000", "20261120", " 1731000000.5 "):
        answer = client.post("/v1/messages", json=message(created_at=moment))
        assert answer.status_code == 422 and answer.json()["errors"][0]["field"] == "created_at", moment
        assert "ISO 8601" in answer.json()["detail"]
    assert client.get("/v1/messages/m-1").status_code == 404


def test_a_time_before_1970_in_utc_is_named_in_utc(client):
    detail = client.post("/v1/messages", json=message(created_at="1970-01-01T00:00:00+01:00")).json()["detail"]
    assert "1969-12-31T23:00:00+00:00" in detail and "year given is 1969" not in detail


def test_language_tags_with_a_script_or_variant_are_hints(client):
    for hint, language in (("zh-Hant-TW", "other"), ("ru-Cyrl-RU", "ru"), ("ca-ES-valencia", "other")):
        created = client.post("/v1/messages", json=message(id=hint, language=hint))
        assert created.status_code == 201, created.text
        assert created.json()["language"] == language
        assert client.get(f"/v1/messages/{hint}").json() == created.json()
