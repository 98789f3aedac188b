"""Personal data sent to the API never reaches logs, error bodies or the store's files on disk.

Phones, e-mails and card numbers go through every way in: single and batch ingest, the
free-form metadata, invalid requests whose validation errors could echo the input, a
conflict, the embed route, path and query strings. Logs are captured both in-process
(every logger at DEBUG) and from a real `voc serve` (uvicorn's access and error logs).
A marker that is not personal data is found on disk, so the search of the files can see
stored payloads at all.
"""

from __future__ import annotations

import logging
import signal
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

from service.app import create_app
from tests.fixtures.service_process import ServiceProcess, free_port

PII = {
    "phone": ["+7 (916) 123-45-67", "89161234567", "+44 20 7946 0958"],
    "email": ["ivan.petrov+shop@mail.ru", "jane.doe@example.com"],
    "card": ["4276 3800 1234 5679", "4111-1111-1111-1111", "5500000000000004"],
}
SECRETS = [value for values in PII.values() for value in values]
# the distinctive parts that must not survive in any form
FRAGMENTS = ["123-45-67", "9161234567", "7946 0958", "ivan.petrov", "jane.doe", "3800 1234", "4111-1111",
             "5500000000000004", "4276380012345679", "4111111111111111"]
MARKER = "zqxmarker"
CLIENT_LOGGERS = ("httpx", "httpcore")  # the test's HTTP client logs its own requests


def pii_text(index: int) -> str:
    return (f"{MARKER}{index} курьер опоздал, позвоните {PII['phone'][index % 3]} или пишите "
            f"{PII['email'][index % 2]}, карта {PII['card'][index % 3]}")


def hostile_requests() -> list[tuple[str, str, dict]]:
    """(method, url, kwargs) that must all be refused or answered without echoing personal data."""
    text = pii_text(0)
    return [
        ("POST", "/v1/messages", {"json": {"id": "bad-1", "text": text, "channel": "fax"}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-2", "text": text, "rating": 9, "rating_scale": "csat_1_5"}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-3", "text": text, "phone": PII["phone"][0]}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-4", "text": text, "rating": PII["card"][2],
                                           "rating_scale": "csat_1_5"}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-5", "text": text, "created_at": PII["email"][0]}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-6", "text": text, "customer": {"id": "c", "x": text}}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-6b", "text": text, PII["email"][1]: 1}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-7", "text": text, "language": PII["phone"][1]}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-8", "text": text, "channel": text}}),
        ("POST", "/v1/messages", {"json": {"id": "bad-9", "text": text, "rating_scale": text, "rating": 1}}),
        ("POST", "/v1/messages", {"content": ('{"id": "bad-10", "text": "' + text + '"').encode(),
                                  "headers": {"content-type": "application/json"}}),
        ("POST", "/v1/messages", {"json": {"id": "m-0", "text": pii_text(1) + " другое"}}),  # 409 conflict
        ("POST", "/v1/messages:batch", {"json": {"messages": [{"id": "b-1", "text": text, "channel": text},
                                                              {"id": "b-2", "text": "", "x": text},
                                                              {"id": "b-3", "text": "t", PII["email"][0]: 1}, text]}}),
        ("POST", "/v1/embed", {"json": {"texts": [text, 5]}}),
        ("POST", "/v1/embed", {"json": {"texts": text}}),
        ("GET", "/v1/messages/m-0/similar", {"params": {"customer_id": PII["phone"][0], "topic": PII["email"][0]}}),
        ("GET", "/v1/messages/m-0/similar", {"params": {"since": PII["card"][0]}}),
        ("GET", f"/v1/messages/{PII['email'][1]}", {}),
    ]


def accepted_messages() -> list[dict]:
    singles = [{"id": f"m-{i}", "text": pii_text(i), "channel": "chat", "customer": {"id": f"c-{i}"},
                "metadata": {"note": pii_text(i), "contact": {"phone": PII["phone"][i % 3]}}} for i in range(3)]
    return singles


def leaked(text: str) -> list[str]:
    return [fragment for fragment in FRAGMENTS if fragment in text]


def store_bytes(data_dir: Path) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(data_dir.rglob("*")) if path.is_file())


def _exercise(request) -> list[str]:
    """Sends everything; returns the bodies of every answer."""
    bodies = []
    for body in accepted_messages():
        response = request("POST", "/v1/messages", json=body)
        assert response.status_code == 201, response.text
        bodies.append(response.text)
    batch = [{"id": f"mb-{i}", "text": pii_text(i), "metadata": {"email": PII["email"][i % 2]}} for i in range(3, 6)]
    response = request("POST", "/v1/messages:batch", json={"messages": batch})
    assert response.status_code == 200 and response.json()["stored"] == 3, response.text
    bodies.append(response.text)
    for method, url, kwargs in hostile_requests():
        response = request(method, url, **kwargs)
        assert 400 <= response.status_code < 500 or url.endswith("/similar"), (url, response.status_code)
        bodies.append(response.text)
    bodies.append(request("GET", "/v1/messages/m-1").text)
    return bodies


def test_no_personal_data_in_logs_errors_or_store_in_process(tiny_settings, tmp_path, caplog):
    settings = tiny_settings()
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings)) as client:
        bodies = _exercise(client.request)
        stored = client.get("/v1/messages/m-1").json()
        assert stored["pii_found"] == ["card", "email", "phone"]
        assert stored["metadata"]["note"].startswith(f"{MARKER}1")
    assert [(i, leaked(b)) for i, b in enumerate(bodies) if leaked(b)] == []
    service_records = [r for r in caplog.records if not r.name.startswith(CLIENT_LOGGERS)]
    assert len(caplog.records) > len(service_records), "the test client's own request log was captured"
    lines = [logging.Formatter().format(record) for record in service_records]
    assert [line for line in lines if leaked(line)] == []
    on_disk = store_bytes(settings.data_dir)
    assert f"{MARKER}1".encode() in on_disk, "the store's payloads are readable on disk, so the search means something"
    found = [fragment for fragment in FRAGMENTS if fragment.encode() in on_disk]
    assert found == []


@pytest.mark.integration
def test_no_personal_data_in_the_served_access_and_error_logs(built_models_dir, tmp_path):
    port = free_port()
    data_dir = tmp_path / "data"
    env = {"VOC_MODELS_DIR": str(built_models_dir), "VOC_DATA_DIR": str(data_dir), "VOC_PORT": str(port),
           "VOC_HOST": "127.0.0.1"}
    service = ServiceProcess(["voc", "serve"], env, tmp_path, tmp_path / "serve.log")
    try:
        service.wait_ready(timeout_s=180)
        with httpx.Client(base_url=service.url, timeout=60) as client:
            bodies = _exercise(client.request)
    finally:
        service.kill(signal.SIGTERM)
    log = service.output()
    assert '"POST /v1/messages HTTP/1.1" 201' in log, "the access log was captured"
    assert [(i, leaked(b)) for i, b in enumerate(bodies) if leaked(b)] == []
    assert leaked(log) == [], [line for line in log.splitlines() if leaked(line)]
    on_disk = store_bytes(data_dir)
    assert f"{MARKER}1".encode() in on_disk
    assert [fragment for fragment in FRAGMENTS if fragment.encode() in on_disk] == []


def test_metadata_keys_that_redact_alike_keep_every_value(tiny_settings):
    metadata = {"ivan.petrov@mail.ru": "first", "jane.doe@example.com": "second", "[EMAIL]": "third"}
    with TestClient(create_app(tiny_settings())) as client:
        created = client.post("/v1/messages", json={"id": "keys-1", "text": "Где мой заказ?", "metadata": metadata})
        assert created.status_code == 201, created.text
        stored = client.get("/v1/messages/keys-1").json()
    assert stored["metadata"] == created.json()["metadata"]
    assert sorted(stored["metadata"].values()) == ["first", "second", "third"]
    assert not [key for key in stored["metadata"] if leaked(key)]
