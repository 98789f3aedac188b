"""Backpressure and size limits as pure ASGI middleware.

* bounded in-flight work: past ``max_in_flight`` concurrent requests a new one is
  answered 429 with ``Retry-After`` at once, never queued;
* request bodies over ``max_body_bytes`` are answered 413, checked on the declared
  length and on the bytes actually received;
* a request that runs past ``timeout_s`` is answered 503 with ``Retry-After``, unless its
  client had not yet sent the whole body by then: that is the client's delay, answered 408.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from starlette.exceptions import HTTPException

Scope = dict[str, Any]
EXEMPT = ("/health", "/v1/health", "/v1/ready", "/metrics")


async def _reply(send: Any, status: int, detail: str, headers: Sequence[tuple[bytes, bytes]] = ()) -> None:
    body = json.dumps({"detail": detail}).encode()
    await send({
        "type": "http.response.start",
        "status": status,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                    *headers],
    })
    await send({"type": "http.response.body", "body": body})


def _declares_more(declared: bytes, limit: int) -> bool:
    """Whether a Content-Length of digits says more than ``limit`` bytes; one of thousands of digits
    does without being read as a number (Python refuses to convert one)."""
    digits = declared.strip().lstrip(b"0")
    return digits.isdigit() and (len(digits) > len(str(limit)) or int(digits) > limit)


class BodyTooLarge(HTTPException):
    """Raised while the body streams in; an HTTPException so the framework's body parsing passes it on as 413."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body over {limit} bytes")


class LimitsMiddleware:
    def __init__(self, app: Any, *, max_in_flight: int, max_body_bytes: int, timeout_s: float,
                 on_reject: Any = None) -> None:
        self.app = app
        self.max_in_flight = max_in_flight
        self.max_body_bytes = max_body_bytes
        self.timeout_s = timeout_s
        self.in_flight = 0
        self.on_reject = on_reject or (lambda reason: None)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"] in EXEMPT:
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and _declares_more(declared, self.max_body_bytes):
            self.on_reject("body_too_large")
            await _reply(send, 413, f"request body over {self.max_body_bytes} bytes")
            return
        if self.in_flight >= self.max_in_flight:
            self.on_reject("overload")
            await _reply(send, 429, "too many requests in progress; retry shortly", [(b"retry-after", b"1")])
            return
        self.in_flight += 1
        started = False
        received = 0
        body_expected = (declared not in (None, b"0")) or b"transfer-encoding" in headers
        body_complete = not body_expected

        async def limited_receive() -> Any:
            nonlocal received, body_complete
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body_bytes:
                    self.on_reject("body_too_large")
                    raise BodyTooLarge(self.max_body_bytes)
                if not message.get("more_body", False):
                    body_complete = True
            return message

        async def tracking_send(message: Any) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await asyncio.wait_for(self.app(scope, limited_receive, tracking_send), self.timeout_s)
        except BodyTooLarge:
            if not started:
                await _reply(send, 413, f"request body over {self.max_body_bytes} bytes")
        except TimeoutError:
            if not body_complete:
                self.on_reject("slow_client")
                if not started:
                    await _reply(send, 408, f"request body not received within {self.timeout_s:g} s")
                return
            self.on_reject("timeout")
            if not started:
                await _reply(send, 503, f"request took longer than {self.timeout_s:g} s; work already begun may "
                                        "still finish: send the same request again (ids make ingest idempotent)",
                             [(b"retry-after", b"1")])
        finally:
            self.in_flight -= 1
