"""Auth scopes, body limits, overload and metrics of the service."""

import asyncio

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from service.limits import LimitsMiddleware


@pytest.fixture
def make_client(tiny_settings):
    return lambda **overrides: TestClient(create_app(tiny_settings(**overrides)))


def test_demo_mode_accepts_anonymous(make_client):
    with make_client() as client:
        assert client.post("/v1/embed", json={"texts": ["курьер"]}).status_code == 200


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Bearer wrong"}, 401),
        ({"Authorization": "Basic abc"}, 401),
        ({"Authorization": "Bearer analyst-token"}, 403),
        ({"Authorization": "Bearer ingest-token"}, 200),
        ({"Authorization": "Bearer admin-token"}, 200),
    ],
)
def test_scopes_are_enforced_when_tokens_are_configured(make_client, headers, status):
    tokens = {"ingest-token": ["ingest"], "analyst-token": ["analyst"], "admin-token": ["admin"]}
    with make_client(tokens=tokens) as client:
        response = client.post("/v1/embed", json={"texts": ["курьер"]}, headers=headers)
        assert response.status_code == status
        assert client.get("/v1/health").status_code == 200  # liveness stays open
    challenge = {401: "Bearer", 403: 'Bearer error="insufficient_scope", scope="ingest"'}  # RFC 6750
    assert response.headers.get("www-authenticate") == challenge.get(status)


@pytest.mark.parametrize("header", [b"Bearer \xa0", b"Bearer \x85", b"Bearer \xa0\xa0"])
def test_a_blank_token_in_the_settings_admits_nobody(tiny_settings, header):
    """A template whose secret was unset gives {"": [...]}; no header may match it, also not one whose
    token is only characters str.strip() removes (no-break space, NEL), which the server passes on
    as sent (httpx's ASGI transport does too; the test client would re-encode them). The settings
    refuse such a token (tests/test_security_config.py); the check here is the second line of defence,
    for settings built without that validation."""
    settings = tiny_settings(tokens={"ingest-token": ["ingest"]})
    settings.tokens = {"": ["admin"], "ingest-token": ["ingest"]}  # assignment is not validated
    app = create_app(settings)

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/v1/admin/recluster", headers={"Authorization": header})

    response = asyncio.run(scenario())  # admitted, it would reach the route (503: no lifespan ran)
    assert response.status_code == 401 and response.headers["www-authenticate"] == "Bearer"


def test_huge_body_is_413(make_client):
    with make_client(max_body_bytes=2048) as client:
        response = client.post("/v1/embed", json={"texts": ["x" * 5000]})
        assert response.status_code == 413
        metrics = client.get("/metrics").text
        assert 'voc_rejected_total{reason="body_too_large"} 1.0' in metrics


def test_overload_is_429_with_retry_after_at_once():
    release = asyncio.Event()

    async def slow_app(scope, receive, send):
        await release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    middleware = LimitsMiddleware(slow_app, max_in_flight=2, max_body_bytes=100, timeout_s=5)

    async def scenario():
        transport = httpx.ASGITransport(app=middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            first = [asyncio.create_task(client.get("/v1/embed")) for _ in range(2)]
            await asyncio.sleep(0.05)
            rejected = await client.get("/v1/embed")
            release.set()
            return rejected, await asyncio.gather(*first)

    rejected, accepted = asyncio.run(scenario())
    assert rejected.status_code == 429 and rejected.headers["retry-after"] == "1"
    assert [r.status_code for r in accepted] == [200, 200]


def test_slow_request_times_out_with_503():
    async def stuck_app(scope, receive, send):
        await asyncio.sleep(10)

    middleware = LimitsMiddleware(stuck_app, max_in_flight=2, max_body_bytes=100, timeout_s=0.05)

    async def scenario():
        transport = httpx.ASGITransport(app=middleware)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.get("/v1/embed")

    response = asyncio.run(scenario())
    assert response.status_code == 503 and "retry-after" in response.headers
    assert "send the same request again" in response.json()["detail"]  # the message may be stored meanwhile


def _asgi_post(middleware, chunks):
    """Drive the middleware directly with a body that arrives in ``chunks`` (None: never again)."""
    sent: list[dict] = []

    async def scenario():
        pending = list(chunks)

        async def receive():
            if not pending or pending[0] is None:
                await asyncio.sleep(10)  # the client stops sending
            body, more = pending.pop(0)
            return {"type": "http.request", "body": body, "more_body": more}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "path": "/v1/messages", "method": "POST",
                 "headers": [(b"content-length", b"20")]}
        await middleware(scope, receive, send)

    asyncio.run(scenario())
    return next(m["status"] for m in sent if m["type"] == "http.response.start")


def test_a_client_that_stops_sending_its_body_gets_408_not_a_server_error():
    async def reading_app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        await asyncio.sleep(10)

    reasons = []
    middleware = LimitsMiddleware(reading_app, max_in_flight=2, max_body_bytes=100, timeout_s=0.05,
                                  on_reject=reasons.append)
    assert _asgi_post(middleware, [(b"0123456789", True), None]) == 408
    assert _asgi_post(middleware, [(b"0123456789", True), (b"0123456789", False)]) == 503  # body in, work slow
    assert reasons == ["slow_client", "timeout"]


def test_metrics_record_latency_by_route(make_client):
    with make_client() as client:
        client.post("/v1/embed", json={"texts": ["курьер"]})
        text = client.get("/metrics").text
        assert 'voc_request_seconds_count{method="POST",route="/v1/embed",status="200"} 1.0' in text


def test_cors_is_off_by_default(make_client):
    with make_client() as client:
        response = client.options("/v1/embed", headers={"Origin": "http://evil.example",
                                                        "Access-Control-Request-Method": "POST"})
        assert "access-control-allow-origin" not in response.headers


def rejected(client) -> dict[str, float]:
    from prometheus_client.parser import text_string_to_metric_families

    families = text_string_to_metric_families(client.get("/metrics").text)
    return {s.labels["reason"]: s.value for f in families if f.name == "voc_rejected" for s in f.samples
            if s.name == "voc_rejected_total"}


def test_every_refused_request_is_counted_once_by_reason(make_client):
    tokens = {"ingest-token": ["ingest"], "analyst-token": ["analyst"]}
    ingest = {"Authorization": "Bearer ingest-token"}
    message = {"id": "r-1", "text": "курьер опоздал", "channel": "chat", "source": "s"}
    with make_client(tokens=tokens, max_text_chars=50, max_body_bytes=2048) as client:
        assert client.post("/v1/messages", json=message).status_code == 401
        assert client.post("/v1/messages", json=message, headers={"Authorization": "Bearer nope"}).status_code == 401
        assert client.post("/v1/messages", json=message,
                           headers={"Authorization": "Bearer analyst-token"}).status_code == 403
        assert client.post("/v1/messages", json=message, headers=ingest).status_code == 201
        assert client.post("/v1/messages", json=message, headers=ingest).status_code == 200  # a replay
        assert client.post("/v1/messages", json={**message, "text": "другой текст"}, headers=ingest).status_code == 409
        assert client.post("/v1/messages", json={**message, "id": "r-2", "text": "x" * 60},
                           headers=ingest).status_code == 422
        assert client.post("/v1/messages:batch", json={"messages": [{"id": "r-3"}]}, headers=ingest).status_code == 422
        assert client.post("/v1/messages", content=b"{}", headers={**ingest, "content-type": "text/plain"}
                           ).status_code == 415
        assert client.get("/v1/messages/none-such", headers=ingest).status_code == 404
        assert client.get("/v1/no-such-route").status_code == 404
        assert client.put("/v1/messages/r-1", headers=ingest).status_code == 405
        streamed = client.post("/v1/embed", content=(b"x" * 1024 for _ in range(4)),
                               headers={**ingest, "content-type": "application/json"})
        assert streamed.status_code == 413
        assert rejected(client) == {"unauthenticated": 2, "forbidden": 1, "conflict": 1, "invalid_request": 2,
                                    "unsupported_media_type": 1, "not_found": 2, "method_not_allowed": 1,
                                    "body_too_large": 1}


def latency_series(client) -> set[tuple[str, str, str]]:
    from prometheus_client.parser import text_string_to_metric_families

    families = text_string_to_metric_families(client.get("/metrics").text)
    return {(s.labels["route"], s.labels["method"], s.labels["status"]) for f in families
            if f.name == "voc_request_seconds" for s in f.samples if s.name == "voc_request_seconds_count"}


def test_metric_labels_take_no_value_a_caller_makes_up(make_client):
    """A made-up method (a server such as uvicorn's h11 passes any token on), ids in paths and
    unknown paths add no label values: methods outside the standard ones are OTHER."""
    with make_client() as client:
        for number in range(3):
            client.request(f"MADEUP{number}", "/v1/messages")
            client.request(f"MADEUP{number}", f"/v1/nothing/{number}")
            client.get(f"/v1/messages/id-{number}")
            client.get(f"/v1/unknown-{number}")
        series = latency_series(client)
    assert series == {("/v1/messages", "OTHER", "405"), ("unmatched", "OTHER", "404"),
                      ("/v1/messages/{message_id}", "GET", "404"), ("unmatched", "GET", "404")}


def test_latency_buckets_reach_past_the_request_timeout():
    from core.settings import Settings
    from service.metrics import LATENCY_BUCKETS

    timeout = Settings.model_fields["request_timeout_s"].default
    assert any(bucket >= timeout for bucket in LATENCY_BUCKETS)  # else every slow call lands in +Inf alone


def test_a_declared_length_of_thousands_of_digits_is_413_not_a_server_error():
    async def app(scope, receive, send):  # never reached
        raise AssertionError

    reasons: list[str] = []
    middleware = LimitsMiddleware(app, max_in_flight=2, max_body_bytes=100, timeout_s=1, on_reject=reasons.append)
    sent: list[dict] = []

    async def send(message):
        sent.append(message)

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "path": "/v1/messages", "method": "POST", "headers": [(b"content-length", b"9" * 5000)]}
    asyncio.run(middleware(scope, receive, send))
    assert sent[0]["status"] == 413 and reasons == ["body_too_large"]
