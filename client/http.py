"""``VocClient``: typed calls over httpx with retries on 429/503 (honouring Retry-After)."""

from __future__ import annotations

import time
from typing import Any

import httpx


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
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._http = httpx.Client(base_url=base_url, headers=headers, timeout=timeout, transport=transport)
        self.retries = retries

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> VocClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        for attempt in range(self.retries + 1):
            response = self._http.request(method, path, **kwargs)
            if response.status_code in (429, 503) and attempt < self.retries:
                time.sleep(float(response.headers.get("retry-after", "1")))
                continue
            if response.status_code >= 400:
                try:
                    detail = response.json().get("detail", response.text)
                except ValueError:
                    detail = response.text
                raise VocClientError(response.status_code, detail)
            return response.json()
        raise AssertionError("unreachable")

    # --- routing API ---------------------------------------------------------------
    def analyse(self, message: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Analyse and store one message; re-sending the same id returns the stored analysis."""
        return self._call("POST", "/v1/messages", json=message, params={"replace": replace} if replace else None)

    def analyse_batch(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "/v1/messages:batch", json={"messages": messages})

    def get_message(self, message_id: str) -> dict[str, Any]:
        return self._call("GET", f"/v1/messages/{message_id}")

    def similar(self, message_id: str, **filters: Any) -> dict[str, Any]:
        return self._call("GET", f"/v1/messages/{message_id}/similar", params=filters)

    def topics(self) -> dict[str, Any]:
        return self._call("GET", "/v1/topics")

    def embed(self, texts: list[str]) -> dict[str, Any]:
        return self._call("POST", "/v1/embed", json={"texts": texts})

    def ready(self) -> dict[str, Any]:
        return self._call("GET", "/v1/ready")
