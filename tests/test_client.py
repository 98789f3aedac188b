"""The Python client for ticketing systems, against the service on a tiny model."""

import httpx
import pytest
from fastapi.testclient import TestClient

from client import VocClient
from client.http import VocClientError
from service.app import create_app


@pytest.fixture
def service(tiny_settings):
    with TestClient(create_app(tiny_settings())) as test_client:
        yield test_client


def forwarding(service, seen=None):
    def handle(request: httpx.Request) -> httpx.Response:
        if seen is not None:
            seen.append(request)
        answer = service.request(request.method, request.url.raw_path.decode("ascii"), content=request.content,
                                 headers=dict(request.headers))
        return httpx.Response(answer.status_code, content=answer.content, headers=answer.headers)

    return httpx.MockTransport(handle)


@pytest.mark.parametrize("message_id", ["t-1", "ZD 5?x#y", "50%off", "тикет-7", "a+b"])
def test_ids_with_url_characters_round_trip(service, message_id):
    with VocClient("http://testserver", transport=forwarding(service)) as voc:
        stored = voc.analyse({"id": message_id, "text": "курьер опоздал на час", "channel": "chat"})
        assert voc.get_message(message_id) == stored
        assert voc.similar(message_id, limit=3)["id"] == message_id


def test_batches_replace_when_asked_and_errors_carry_the_detail(service):
    with VocClient("http://testserver", transport=forwarding(service)) as voc:
        voc.analyse_batch([{"id": "b-1", "text": "курьер опоздал"}])
        conflict = voc.analyse_batch([{"id": "b-1", "text": "другой текст"}])
        assert conflict["errors"][0]["status"] == 409
        assert voc.analyse_batch([{"id": "b-1", "text": "другой текст"}], replace=True)["stored"] == 1
        assert voc.get_message("b-1")["text"] == "другой текст"
        with pytest.raises(VocClientError) as refused:
            voc.analyse({"id": "x", "text": ""})
        assert refused.value.status == 422 and "text" in str(refused.value.detail)


@pytest.mark.parametrize(("header", "expected"), [("2", 2.0), ("Wed, 21 Oct 2026 07:28:00 GMT", 1.0), (None, 1.0)])
def test_overload_is_retried_after_the_wait_the_service_asks(monkeypatch, header, expected):
    waits, calls = [], []
    monkeypatch.setattr("client.http.time.sleep", waits.append)

    def handle(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        if len(calls) == 1:
            return httpx.Response(429, json={"detail": "busy"}, headers={"Retry-After": header} if header else {})
        return httpx.Response(200, json={"status": "ready"})

    with VocClient("http://testserver", transport=httpx.MockTransport(handle)) as voc:
        assert voc.ready() == {"status": "ready"}
    assert waits == [expected] and len(calls) == 2


def test_an_error_body_that_is_not_an_object_is_still_reported():
    transport = httpx.MockTransport(lambda request: httpx.Response(502, json=["bad gateway"]))
    with VocClient("http://testserver", transport=transport) as voc, pytest.raises(VocClientError) as failed:
        voc.ready()
    assert failed.value.status == 502 and "bad gateway" in str(failed.value.detail)


def test_the_webhook_example_of_the_ticketing_guide_routes_tickets(service, monkeypatch):
    """The guide's receiver, run as written against the service: a helpdesk channel the API does not
    know is sent as other, and an edited comment replaces its text instead of meeting a 409."""
    from pathlib import Path

    import client

    guide = (Path(__file__).resolve().parents[1] / "docs" / "ticketing.md").read_text(encoding="utf-8")
    code = guide.split("## A webhook receiver in Python", 1)[1].split("```python", 1)[1].split("```", 1)[0]
    real = client.VocClient
    monkeypatch.setattr(client, "VocClient",
                        lambda url, **options: real("http://testserver", transport=forwarding(service), **options))
    receiver: dict = {"INGEST_TOKEN": None}
    exec(compile(code, "docs/ticketing.md", "exec"), receiver)  # noqa: S102 — the guide's own code
    ticket = {"id": 7, "comment_id": 1, "description": "Курьер опоздал на два часа, заказ холодный",
              "channel": "web", "requester_id": 42}
    routed = receiver["on_ticket_created"](ticket)
    assert routed["priority"] in receiver["PRIORITY"].values() and routed["note"].startswith("VOC Radar: ")
    stored = service.get("/v1/messages/7-1").json()
    assert stored["channel"] == "other" and stored["customer_id"] == "42"
    edited = {**ticket, "description": "Спасибо, курьер всё привёз вовремя"}
    receiver["on_ticket_created"](edited, edited=True)
    assert service.get("/v1/messages/7-1").json()["text"] == edited["description"]
