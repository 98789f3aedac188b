"""The Qdrant server unreachable: 503 with Retry-After (the service's real exception mapping over
qdrant-client's real connection error), nothing half-stored, and recovery once it is back.

The server side is qdrant-client's in-process mode; the outage swaps in a client pointed at a
closed port, so each call fails inside qdrant-client exactly as it would against a dead server.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from qdrant_client import QdrantClient

import service.app as service_app
from service.app import create_app
from service.store_config import StoreUnavailableAtStartup
from store import Store
from store.server import ServerBackend

ROOT = Path(__file__).resolve().parents[1]

TAXONOMY = """
owners:
  - {id: delivery, name: Delivery, queue: delivery-ops}
topics:
  - {id: late_delivery, names: {ru: Опоздание}, owner: delivery, severity: 3,
     examples: ["курьер опоздал", "курьер опоздал w1", "курьер опоздал w2"]}
"""


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


class SwitchableClient:
    """Forwards every call to the reachable server or to the unreachable one."""

    def __init__(self) -> None:
        self.reachable = QdrantClient(location=":memory:")
        self.unreachable = QdrantClient(url=f"http://127.0.0.1:{closed_port()}", timeout=2,
                                        check_compatibility=False)
        self.up = True

    def __getattr__(self, name: str):
        return getattr(self.reachable if self.up else self.unreachable, name)

    def close(self) -> None:
        self.reachable.close()
        self.unreachable.close()


@pytest.fixture
def outage(tiny_settings, tmp_path, monkeypatch):
    taxonomy = tmp_path / "taxonomy.yaml"
    taxonomy.write_text(TAXONOMY)
    switch = SwitchableClient()
    monkeypatch.setattr(service_app, "open_configured_store",
                        lambda settings, dimension: Store(ServerBackend(switch), dimension))
    settings = tiny_settings(taxonomy=taxonomy, store_backend="server", qdrant_url="http://qdrant:6333")
    with TestClient(create_app(settings)) as client:
        yield client, switch


def message(number: int) -> dict:
    return {"id": f"o-{number}", "text": f"курьер опоздал w{number}", "channel": "chat"}


def test_unreachable_store_is_503_with_retry_after_then_recovers(outage):
    client, switch = outage
    assert client.post("/v1/messages", json=message(1)).status_code == 201
    switch.up = False
    calls = [
        client.post("/v1/messages", json=message(2)),
        client.post("/v1/messages:batch", json={"messages": [message(3), message(4)]}),
        client.get("/v1/messages/o-1"),
        client.get("/v1/messages/o-1/similar"),
    ]
    for response in calls:
        assert response.status_code == 503, response.text
        assert int(response.headers["retry-after"]) >= 1
        assert "Connection refused" in response.json()["detail"] or "connect" in response.json()["detail"].lower()
    assert client.get("/v1/health").status_code == 200  # liveness: do not restart the pod for it
    assert 'voc_rejected_total{reason="store_unavailable"} 4.0' in client.get("/metrics").text

    switch.up = True
    assert client.get("/v1/messages/o-1").status_code == 200
    retried = client.post("/v1/messages", json=message(2))
    assert retried.status_code == 201, "the refused message was not stored during the outage"
    batch = client.post("/v1/messages:batch", json={"messages": [message(3), message(4), message(2)]}).json()
    assert [r["created"] for r in batch["results"]] == [True, True, False]
    assert switch.reachable.count("voc_messages", exact=True).count == 4


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_store_unreachable_at_start_fails_with_a_clear_error_after_the_wait(tiny_settings):
    url = f"http://127.0.0.1:{closed_port()}"
    settings = tiny_settings(store_backend="server", qdrant_url=url, store_startup_wait_s=0.3)
    app = create_app(settings)
    with pytest.raises(StoreUnavailableAtStartup, match="did not answer in 0.3 s") as raised, TestClient(app):
        pass
    assert url in str(raised.value) and "VOC_STORE_STARTUP_WAIT_S" in str(raised.value)
    assert "Connection refused" in str(raised.value)


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_start_up_waits_for_a_qdrant_server_that_is_still_starting(tiny_settings, monkeypatch, caplog):
    """The first two attempts meet a closed port (qdrant-client's real error); the third a server."""
    import service.store_config as store_config

    dead_url, attempts, slept = f"http://127.0.0.1:{closed_port()}", [], []
    real_open_store = store_config.open_store

    def server_coming_up(kind, **options):
        attempts.append(kind)
        if len(attempts) < 3:
            return real_open_store(kind, **{**options, "url": dead_url})
        return Store(ServerBackend(QdrantClient(location=":memory:")), options["dimension"])

    monkeypatch.setattr(store_config, "open_store", server_coming_up)
    settings = tiny_settings(store_backend="server", qdrant_url="http://qdrant:6333", store_startup_wait_s=60)
    store = store_config.open_configured_store(settings, 8, sleep=slept.append)
    assert len(attempts) == 3 and slept == [1.0, 1.0]
    assert "not reachable yet (attempt 2" in caplog.text
    store.close()


def _never_up(attempts: list[str]):
    from store import BackendError

    def open_store(kind, **options):
        attempts.append(kind)
        raise BackendError("cannot open collection voc_messages: [Errno 111] Connection refused")

    return open_store


@pytest.mark.filterwarnings("ignore:Failed to obtain server version")  # the previous test's client, late
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_the_start_up_wait_stops_the_retries_at_once(tiny_settings, monkeypatch, caplog, signum):
    """Under uvicorn the start-up runs inside the server's own handlers, which only take note of
    SIGINT and SIGTERM for a later graceful shutdown: the wait went on retrying for the whole
    VOC_STORE_STARTUP_WAIT_S after Ctrl+C. Here the signal comes while the loop sleeps."""
    import uvicorn

    import service.store_config as store_config

    attempts, slept, now = [], [], [0.0]

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 2:
            signal.raise_signal(signum)
        now[0] += seconds

    monkeypatch.setattr(store_config, "open_store", _never_up(attempts))
    settings = tiny_settings(store_backend="server", qdrant_url="http://qdrant:6333", store_startup_wait_s=60)
    server = uvicorn.Server(uvicorn.Config(app=None))
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    with pytest.raises(KeyboardInterrupt, match=f"{signum.name} received while waiting for Qdrant") as raised, \
            server.capture_signals():
        store_config.open_configured_store(settings, 8, sleep=sleep, clock=lambda: now[0])
    assert isinstance(raised.value, store_config.StartupInterrupted)
    assert len(attempts) == 2 and len(slept) == 2, "it went on retrying after the signal"
    assert not server.should_exit  # the signal was not left for a shutdown that never comes
    assert f"{signum.name} received while waiting for Qdrant at http://qdrant:6333" in caplog.text
    assert {sig: signal.getsignal(sig) for sig in before} == before  # the handlers are given back


def test_the_start_up_wait_itself_is_interrupted(tiny_settings, monkeypatch):
    """A real one-second sleep, and SIGTERM sent to the process as an orchestrator does."""
    import service.store_config as store_config

    monkeypatch.setattr(store_config, "open_store", _never_up([]))
    monkeypatch.setattr(store_config, "RETRY_EVERY_S", 30.0)
    settings = tiny_settings(store_backend="server", qdrant_url="http://qdrant:6333", store_startup_wait_s=5)
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: None)  # as a server that only takes note
    timer = threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    try:
        timer.start()
        with pytest.raises(KeyboardInterrupt, match="SIGTERM received"):
            store_config.open_configured_store(settings, 8)  # sleeps min(30 s, the 5 s left)
    finally:
        timer.cancel()
        signal.signal(signal.SIGTERM, previous)
    assert time.monotonic() - started < 4


def test_a_signal_after_the_wait_is_the_servers_again(tiny_settings, monkeypatch):
    import service.store_config as store_config

    noted = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: noted.append(signum))
    try:
        monkeypatch.setattr(store_config, "open_store", lambda kind, **options: "the store")
        settings = tiny_settings(store_backend="server", qdrant_url="http://qdrant:6333")
        assert store_config.open_configured_store(settings, 8) == "the store"
        signal.raise_signal(signal.SIGINT)
        assert noted == [signal.SIGINT]
    finally:
        signal.signal(signal.SIGINT, previous)


@pytest.mark.integration
@pytest.mark.filterwarnings("ignore:Failed to obtain server version")
def test_ctrl_c_while_voc_serve_waits_for_qdrant_stops_it(tiny_model_dir, tiny_sentiment_head, tmp_path):
    from tests.fixtures.service_process import clean_env, free_port

    url = f"http://127.0.0.1:{closed_port()}"
    env = clean_env({"VOC_PORT": str(free_port()), "VOC_DATA_DIR": str(tmp_path / "data"),
                     "VOC_MODEL": str(tiny_model_dir), "VOC_MODELS_DIR": str(tiny_model_dir.parent),
                     "VOC_SENTIMENT_HEAD": str(tiny_sentiment_head), "VOC_STORE_BACKEND": "server",
                     "VOC_QDRANT_URL": url, "VOC_STORE_STARTUP_WAIT_S": "120"})
    serve = subprocess.Popen([sys.executable, "-m", "cli.main", "serve"], env=env, cwd=ROOT,
                             stderr=subprocess.PIPE, text=True)
    try:
        seen = []
        for line in serve.stderr:
            seen.append(line)
            if "not reachable yet" in line:
                break
        assert seen and "not reachable yet" in seen[-1], "".join(seen)
        sent = time.monotonic()
        serve.send_signal(signal.SIGINT)
        code = serve.wait(timeout=30)
        stderr = "".join(seen) + serve.stderr.read()
    finally:
        if serve.poll() is None:
            serve.kill()
            serve.wait()
    assert time.monotonic() - sent < 30 and code == 3, stderr
    assert f"SIGINT received while waiting for Qdrant at {url}" in stderr
    assert "did not answer in" not in stderr
    assert "error: the service could not start: SIGINT received" in stderr
    assert "Traceback" not in stderr  # one line, as for the other start-up failures
