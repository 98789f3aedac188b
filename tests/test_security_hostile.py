"""What a hostile client can send gets a clear 4xx naming the problem, never a 5xx or a crash,
and never data behind another scope. In-process cases here; the raw-socket ones (header abuse
below the framework) run against a real `voc serve` at the end."""

from __future__ import annotations

import json
import signal
import socket

import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.fixtures.service_process import ServiceProcess, free_port

TOKENS = {"tok-ingest": ["ingest"], "tok-analyst": ["analyst"]}
INGEST = {"Authorization": "Bearer tok-ingest"}


@pytest.fixture(scope="module")
def client(tiny_model_dir, tiny_sentiment_head, tmp_path_factory):
    from core.settings import Settings

    settings = Settings(model=str(tiny_model_dir), models_dir=tiny_model_dir.parent, sentiment_head=tiny_sentiment_head,
                        data_dir=tmp_path_factory.mktemp("data"), tokens=TOKENS, max_body_bytes=64 * 1024)
    with TestClient(create_app(settings), raise_server_exceptions=False) as test_client:
        assert test_client.post("/v1/messages", json={"id": "known", "text": "курьер опоздал"},
                                headers=INGEST).status_code == 201
        yield test_client


def post_raw(client, path: str, body: bytes, content_type: str = "application/json", **headers):
    return client.post(path, content=body, headers={"content-type": content_type, **INGEST, **headers})


def nested(depth: int) -> bytes:
    return b'{"texts": ' + b"[" * depth + b'"x"' + b"]" * depth + b"}"


def assert_clear_4xx(response, *fragments: str) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:300])
    detail = json.dumps(response.json())
    for fragment in fragments:
        assert fragment in detail, (fragment, detail[:300])


@pytest.mark.parametrize(
    ("path", "body", "fragments"),
    [
        ("/v1/embed", nested(100_000), ()),
        ("/v1/embed", nested(1_000), ()),
        ("/v1/messages", b'{"id": "n1", "text": "x", "metadata": ' + b'{"a": ' * 20_000 + b"1" + b"}" * 20_001,
         ()),
        ("/v1/messages", b'{"id": "n2", "text": "x", "metadata": {"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}}",
         ()),
        ("/v1/embed", b'{"texts": ["\xff\xfe bad utf-8"]}', ()),
        ("/v1/messages", b'{"id": "r1", "text": "x", "rating": NaN, "rating_scale": "csat_1_5"}', ("rating",)),
        ("/v1/messages", b'{"id": "r2", "text": "x", "rating": Infinity, "rating_scale": "csat_1_5"}', ("rating",)),
        ("/v1/messages", b'{"id": "r3", "text": "x", "rating": 1e999, "rating_scale": "nps_0_10"}', ("rating",)),
        ("/v1/messages", b'{"id": "r4", "text": "x", "rating": 123456789012345678901234567890,'
                         b' "rating_scale": "nps_0_10"}', ("rating",)),
        ("/v1/messages", b'{"id": "d1", "text": "x", "created_at": "99999-01-01T00:00:00"}', ("created_at",)),
        ("/v1/messages", b'{"id": "d2", "text": "x", "created_at": -99999999999999999}', ("created_at",)),
        ("/v1/messages", b'{"id": "k", "id": "k2", "text": "x", "text": ""}', ("text",)),
        ("/v1/messages", b"[]", ()),
        ("/v1/messages", b'"just a string"', ()),
        ("/v1/messages", b"", ()),
        ("/v1/messages:batch", b'{"messages": [' + b"1," * 300 + b"1]}", ("messages",)),
        ("/v1/messages:batch", b'{"messages": [[], null, "x", {"id": 5}]}', ()),
        ("/v1/messages:batch", b'{"messages": [{"id": ' + b"[" * 400 + b"]" * 400 + b', "text": 1}]}', ("id",)),
        ("/v1/messages:batch", b'{"messages": [{"id": "q", "text": "x", "metadata": {"a": ' + b"[" * 400
         + b"]" * 400 + b"}}]}", ("metadata",)),
        ("/v1/embed", b'{"texts": ["' + b"x" * 30_000 + b'"]}', ("texts[0]",)),
    ],
)
def test_hostile_bodies_are_a_clear_4xx(client, path, body, fragments):
    assert_clear_4xx(post_raw(client, path, body), *fragments)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/embed", '{"texts": ["ok"]}'.encode("utf-16")),  # valid JSON in UTF-16 (RFC 8259 readers may accept)
        ("/v1/embed", b'{"texts": ["\\ud800 lone surrogate"]}'),
        ("/v1/messages", b'{"id": "s1", "text": "\\udfff\\ud800 w1"}'),
        ("/v1/messages", b'{"id": "\\u0000", "text": "\\u0000\\u0000"}'),
        ("/v1/messages", b'{"id": "z1", "text": "\\u200b\\u00ad\\ufeff"}'),
        ("/v1/messages", b'{"id": "n3", "text": "x", "metadata": {"a": ' + b"[" * 400 + b"]" * 400 + b"}}"),
        ("/v1/messages", b'{"id": "n4", "text": "x", "metadata": ' + b'{"a": ' * 300 + b"1" + b"}" * 301),
    ],
)
def test_odd_but_parseable_bodies_are_answered_or_refused_cleanly(client, path, body):
    response = post_raw(client, path, body)
    assert response.status_code < 500, response.text[:300]
    if response.status_code >= 400:
        assert response.json()["detail"]
    elif path == "/v1/messages":
        stored = client.get(f"/v1/messages/{response.json()['id']}", headers=INGEST)
        assert stored.status_code == 200 and stored.json() == response.json()


def test_bodies_over_the_limit_are_413_declared_or_streamed(client):
    big = b'{"texts": ["' + b"x" * 70_000 + b'"]}'
    assert post_raw(client, "/v1/embed", big).status_code == 413

    def chunks():
        for _ in range(40):
            yield b"x" * 4096

    streamed = client.post("/v1/embed", content=chunks(), headers={"content-type": "application/json", **INGEST})
    assert streamed.status_code == 413
    lying = post_raw(client, "/v1/embed", big, **{"content-length": "10"})
    assert 400 <= lying.status_code < 500


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/json; charset=latin-1", ""])
def test_wrong_content_type_is_4xx(client, content_type):
    response = post_raw(client, "/v1/embed", b'{"texts": ["x"]}', content_type)
    assert response.status_code < 500


@pytest.mark.parametrize(
    "query",
    ["limit=100000000000000000000000", "limit=-1", "limit=abc", "since=not-a-date", "until=9999999999999999999999",
     "since=2026-13-45T99:99", "customer_id=" + "x" * 5000, "topic=%00%ff", "limit=1&limit=2&limit=3"],
)
def test_hostile_queries_are_4xx_or_answered(client, query):
    response = client.get(f"/v1/messages/known/similar?{query}", headers=INGEST)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 422)


@pytest.mark.parametrize("message_id", ["..%2F..%2Fetc%2Fpasswd", "%00", "x" * 5000, "%ff%fe", "known%20"])
def test_hostile_ids_are_404_or_422(client, message_id):
    response = client.get(f"/v1/messages/{message_id}", headers=INGEST)
    assert response.status_code in (404, 422), response.text[:300]
    assert len(response.text) < 1000  # the id is not echoed at length


def test_wrong_scope_never_sees_data(client):
    analyst = {"Authorization": "Bearer tok-analyst"}
    refused = client.post("/v1/messages", json={"id": "known", "text": "курьер опоздал"}, headers=analyst)
    assert refused.status_code == 403 and "курьер" not in refused.text
    assert client.get("/v1/messages/known", headers=analyst).status_code == 200  # analysts may read
    unknown = client.get("/v1/messages/known", headers={"Authorization": "Bearer tok-analyst "})
    assert unknown.status_code in (200, 401)  # trailing whitespace is trimmed by the server or refused
    anonymous = client.get("/v1/messages/known")
    assert anonymous.status_code == 401 and "курьер" not in anonymous.text


def test_many_and_odd_authorization_headers(client):
    headers = [("authorization", "Bearer tok-analyst"), ("authorization", "Bearer tok-ingest")]
    response = client.post("/v1/embed", json={"texts": ["x"]}, headers=headers)
    assert response.status_code in (401, 403)  # the first header counts: an analyst may not embed
    for value in ["Bearer \u00e9\u00e9", "Bearer\ttok-ingest", "Bearer  tok-ingest", "BEARER tok-ingest x"]:
        response = client.post("/v1/embed", json={"texts": ["x"]}, headers={"authorization": value.encode("latin-1")})
        assert response.status_code in (200, 401), (value, response.status_code)


def _raw_request(port: int, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except (ConnectionResetError, TimeoutError):
            pass
    return b"".join(chunks)


@pytest.mark.integration
def test_header_abuse_against_the_real_server(tiny_model_dir, tiny_sentiment_head, tmp_path):
    port = free_port()
    env = {"VOC_MODEL": str(tiny_model_dir), "VOC_MODELS_DIR": str(tiny_model_dir.parent),
           "VOC_SENTIMENT_HEAD": str(tiny_sentiment_head), "VOC_DATA_DIR": str(tmp_path / "data"),
           "VOC_PORT": str(port), "VOC_TOKENS": json.dumps(TOKENS)}
    service = ServiceProcess(["voc", "serve"], env, tmp_path, tmp_path / "serve.log")
    body = b'{"texts": ["x"]}'
    requests = {
        "huge header": b"GET /v1/topics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 200_000 + b"\r\n\r\n",
        "huge token": b"GET /v1/topics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + b"a" * 60_000 + b"\r\n\r\n",
        "many headers": b"GET /v1/topics HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-H%d: v\r\n" % i for i in range(3000))
        + b"\r\n",
        "binary header": b"GET /v1/topics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \xff\xfe\x00\r\n\r\n",
        "bad content-length": b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n" + body,
        "huge content-length": b"POST /v1/embed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok-ingest\r\n"
        b"Content-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n" + body,
        "garbage": b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"\x00" * 100,
    }
    try:
        service.wait_ready(timeout_s=120)
        answers = {name: _raw_request(port, raw) for name, raw in requests.items()}
        health = _raw_request(port, b"GET /v1/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    finally:
        service.kill(signal.SIGTERM)
    for name, answer in answers.items():
        status = answer.split(b" ", 2)[1] if answer.startswith(b"HTTP/1.1 ") else b""
        assert not status.startswith(b"5"), (name, answer[:200])
        assert status == b"" or status.startswith(b"4"), (name, answer[:200])  # refused or connection closed
    assert health.startswith(b"HTTP/1.1 200"), "the server survived all of it"
    assert "Traceback" not in service.output()
