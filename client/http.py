"""``VocClient``: typed calls over httpx with retries on 429/503 (honouring Retry-After)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import httpx

MAX_RETRY_AFTER_S = 60.0  # the longest the service itself asks for
DEFAULT_RETRY_AFTER_S = 1.0


class VocClientError(Exception):
    def __init__(self, status: int, detail: Any) -> None:
        super().__init__(f"HTTP {status}: {detail}")
        self.status = status
        self.detail = detail


class VocClient:
    def __init__(
        self,
        base_url: str = "http://127.0.0.1:8000",
        token: str | None = None,
        *,
        timeout: float = 30.0,
        retries: int = 3,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        if retries < 0:
            raise ValueError(f"retries: must be 0 or more, got {retries}")
        headers = {"Authorization": f"Bearer {_bearer(token)}"} if token else {}
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout, transport=transport)
        self.retries = retries

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VocClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, *, answers: Callable[[httpx.Response], bool] = lambda _: False,
              **kwargs: Any) -> Any:
        """The JSON answer; ``answers`` tells a 4xx that is still the answer (not an error) apart."""
        for attempt in range(self.retries + 1):
            response = self._http.request(method, path, **kwargs)
            if response.status_code in (429, 503) and attempt < self.retries:
                time.sleep(_retry_after(response))
                continue
            if response.status_code >= 400 and not answers(response):
                try:
                    body = response.json()
                except ValueError:
                    body = None
                detail = body.get("detail", response.text) if isinstance(body, dict) else response.text
                raise VocClientError(response.status_code, detail)
            try:
                return response.json()
            except ValueError:
                raise VocClientError(response.status_code, _not_json(response)) from None
        raise AssertionError("unreachable")

    # --- routing API ---------------------------------------------------------------
    def analyse(self, message: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Analyse and store one message; re-sending the same id returns the stored analysis."""
        return self._call("POST", "/v1/messages", json=message, params={"replace": replace} if replace else None)

    def analyse_batch(self, messages: list[dict[str, Any]], *, replace: bool = False) -> dict[str, Any]:
        """Up to 256 messages; the answer lists the stored ones and the rejected ones by index, also when
        none was stored (a 409 or 422 whose body is that list); a refusal of the whole call raises."""
        return self._call("POST", "/v1/messages:batch", json={"messages": messages},
                          params={"replace": replace} if replace else None, answers=_is_batch_summary)

    def get_message(self, message_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/messages/{_segment(message_id)}")

    def similar(self, message_id: str, **filters: Any) -> dict[str, Any]:
        return self._call("GET", f"/v1/messages/{_segment(message_id)}/similar", params=filters)

    def topics(self) -> dict[str, Any]:
        return self._call("GET", "/v1/topics")

    def embed(self, texts: list[str]) -> dict[str, Any]:
        return self._call("POST", "/v1/embed", json={"texts": texts})

    def ready(self) -> dict[str, Any]:
        return self._call("GET", "/v1/ready")


def _bearer(token: str) -> str:
    """The token as sent: surrounding whitespace (a secret file's final newline) dropped. One that is empty
    or holds a control character is refused without showing it: the header error would, into logs."""
    stripped = token.strip()
    if not stripped or not stripped.isprintable():
        raise ValueError("token: empty or holding a control character (the token itself is not shown)")
    return stripped


def _not_json(response: httpx.Response) -> str:
    """What came back instead of a JSON answer: a proxy's or another service's page at that address."""
    kind = response.headers.get("content-type") or "no content type"
    url = response.request.url.copy_with(query=None)
    return (f"the answer to {response.request.method} {url} is not JSON ({kind}): "
            f"{response.text[:200]!r}; is the base URL that of the VOC Radar service?")


def _segment(message_id: str) -> str:
    """An id as one URL path segment: '?', '#', '%', spaces and the like encoded; an id of '.' or '..'
    with its dots encoded, as URL libraries would otherwise resolve it as a step in the path."""
    if message_id in {".", ".."}:
        return message_id.replace(".", "%2E")
    return quote(message_id, safe="")


def _is_batch_summary(response: httpx.Response) -> bool:
    """A batch answer listing each message's fate, as the service sends when it stored none of them."""
    if response.status_code not in (409, 422):
        return False
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and isinstance(body.get("results"), list) and isinstance(body.get("errors"), list)


def _retry_after(response: httpx.Response) -> float:
    """Seconds to wait, from a Retry-After in seconds (an HTTP date or nothing: the default), at most
    ``MAX_RETRY_AFTER_S``: a proxy's huge or infinite value must not block the caller for ever."""
    try:
        seconds = float(response.headers.get("retry-after", DEFAULT_RETRY_AFTER_S))
    except ValueError:
        return DEFAULT_RETRY_AFTER_S
    if math.isnan(seconds):
        return DEFAULT_RETRY_AFTER_S
    return min(max(0.0, seconds), MAX_RETRY_AFTER_S)
