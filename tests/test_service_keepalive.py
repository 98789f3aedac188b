"""Idle client connections: the server keeps them open for VOC_KEEP_ALIVE_S, then closes them."""

from __future__ import annotations

import signal
import socket
import time

import httpx
import pytest

from core.settings import Settings
from tests.fixtures.service_process import ServiceProcess, free_port

HEALTH = b"GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n"


def _read_response(sock: socket.socket) -> bytes:
    """One HTTP/1.1 response read off a kept-alive socket; b"" when the server has closed it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(int(line.split(b":", 1)[1]) for line in head.split(b"\r\n")
                  if line.lower().startswith(b"content-length:"))
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def test_default_keep_alive_outlasts_the_clients_own_idle_expiry():
    # a server that closes an idle connection first races the client reusing it (a ReadError under load)
    assert Settings().keep_alive_s > httpx.Limits().keepalive_expiry


@pytest.mark.integration
def test_idle_connection_is_reused_within_keep_alive_and_closed_after(tiny_model_dir, tiny_sentiment_head,
                                                                      tmp_path):
    port = free_port()
    env = {"VOC_MODEL": str(tiny_model_dir), "VOC_MODELS_DIR": str(tiny_model_dir.parent),
           "VOC_SENTIMENT_HEAD": str(tiny_sentiment_head), "VOC_DATA_DIR": str(tmp_path / "data"),
           "VOC_PORT": str(port), "VOC_KEEP_ALIVE_S": "2"}
    service = ServiceProcess(["voc", "serve"], env, tmp_path, tmp_path / "serve.log")
    try:
        service.wait_ready(timeout_s=120)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(HEALTH)
            first = _read_response(sock)
            time.sleep(1.0)  # idle, but within keep-alive
            sock.sendall(HEALTH)
            second = _read_response(sock)
            time.sleep(3.5)  # idle past keep-alive: the server closes its end
            closed = sock.recv(65536)
    finally:
        service.kill(signal.SIGTERM)
    assert first.startswith(b"HTTP/1.1 200") and first.endswith(b'{"status":"ok"}'), first
    assert second.startswith(b"HTTP/1.1 200"), "the same connection served a second request after 1 s idle"
    assert closed == b"", "the idle connection was closed after VOC_KEEP_ALIVE_S"
