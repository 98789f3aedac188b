"""`voc serve` killed with SIGKILL in the middle of batch ingests: after a restart and the
client's retries, every acknowledged message is stored, and none is stored or counted twice."""

from __future__ import annotations

import signal
import threading

import httpx
import pytest

from store import open_store
from tests.fixtures.service_process import ServiceProcess, free_port

pytestmark = pytest.mark.integration
BATCH = 64
BATCHES = 24  # the first half one after another, then the second half at once


def batch(number: int) -> list[dict]:
    return [{"id": f"k-{number}-{i}", "text": f"курьер опоздал w{i % 50} заказ {number}", "channel": "chat",
             "customer": {"id": f"c-{i % 7}"}} for i in range(BATCH)]


def start(env: dict, tmp_path, name: str) -> ServiceProcess:
    service = ServiceProcess(["voc", "serve"], env, tmp_path, tmp_path / f"{name}.log")
    service.wait_ready(timeout_s=120)
    return service


def send(client: httpx.Client, number: int) -> dict | None:
    """The batch's answer, or None when the connection broke (not acknowledged)."""
    try:
        response = client.post("/v1/messages:batch", json={"messages": batch(number)})
    except httpx.TransportError:
        return None
    assert response.status_code == 200, response.text
    return response.json()


def test_sigkill_during_batch_ingest_loses_and_duplicates_nothing(tiny_model_dir, tiny_sentiment_head, tmp_path):
    data_dir = tmp_path / "data"
    env = {"VOC_MODEL": str(tiny_model_dir), "VOC_MODELS_DIR": str(tiny_model_dir.parent),
           "VOC_SENTIMENT_HEAD": str(tiny_sentiment_head), "VOC_DATA_DIR": str(data_dir),
           "VOC_PORT": str(free_port())}
    acknowledged: set[str] = set()
    service = start(env, tmp_path, "first")
    killed_during: list[int] = []
    with httpx.Client(base_url=service.url, timeout=60) as client:
        for number in range(BATCHES // 2):  # acknowledged before the crash
            answer = send(client, number)
            assert answer and answer["stored"] == BATCH
            acknowledged |= {r["analysis"]["id"] for r in answer["results"]}
        # the next batches go out concurrently and the server is killed while they run
        answers: dict[int, dict | None] = {}
        first_answered = threading.Event()

        def worker(number: int) -> None:
            answers[number] = send(client, number)
            first_answered.set()

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(BATCHES // 2, BATCHES)]
        for thread in threads:
            thread.start()
        # killed as soon as one concurrent batch is answered, so the others are still in
        # progress however fast the machine is
        first_answered.wait(timeout=60)
        service.kill(signal.SIGKILL)
        for thread in threads:
            thread.join(timeout=60)
        for number, answer in answers.items():
            if answer is None:
                killed_during.append(number)
            else:
                acknowledged |= {r["analysis"]["id"] for r in answer["results"]}
    assert killed_during, "the kill came after every batch was answered; nothing was tested"
    assert service.process.returncode == -signal.SIGKILL

    service = start(env, tmp_path, "second")
    created_on_retry: set[str] = set()
    try:
        with httpx.Client(base_url=service.url, timeout=60) as client:
            for number in range(BATCHES):  # the client retries everything it is unsure of, and more
                answer = send(client, number)
                assert answer and answer["stored"] == BATCH and answer["rejected"] == 0
                created_on_retry |= {r["analysis"]["id"] for r in answer["results"] if r["created"]}
            replay = client.post("/v1/messages:batch", json={"messages": batch(0)}).json()
            assert not any(r["created"] for r in replay["results"])
    finally:
        service.kill(signal.SIGTERM)

    assert not acknowledged & created_on_retry, "an acknowledged message was analysed and counted again"
    expected = {m["id"] for n in range(BATCHES) for m in batch(n)}
    with open_store("embedded", path=data_dir / "store", dimension=16) as store:
        assert store.messages.count() == len(expected)
        stored = {m.id for m in store.messages.get_many(sorted(expected)).messages}
    assert stored == expected
    assert acknowledged <= stored
