"""Prometheus metrics: latency histograms, analysed messages by label, rejected requests."""

from __future__ import annotations

import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest

# up to and past the default request timeout (30 s), so a slow batch call is told apart from one cut off
LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.015, 0.025, 0.04, 0.06, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
# the method label takes these as they are and any other method (a server may pass on whatever token
# a client sends) as OTHER, so no caller can add label values
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# voc_rejected_total's reason for a request a route or the router refused with an HTTPException;
# 413 is counted as the body streams in (service.limits), 5xx by their own handlers
REFUSAL_REASONS = {400: "bad_request", 401: "unauthenticated", 403: "forbidden", 404: "not_found",
                   405: "method_not_allowed", 409: "conflict", 422: "invalid_request"}


class ServiceMetrics:
    """One registry per application, so several apps (tests) never collide."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.latency = Histogram(
            "voc_request_seconds", "Request latency", ["route", "method", "status"],
            registry=self.registry, buckets=LATENCY_BUCKETS,
        )
        self.messages = Counter(
            "voc_messages_total", "Analysed messages", ["topic", "owner", "sentiment", "priority"],
            registry=self.registry,
        )
        self.replaced = Counter(
            "voc_messages_replaced_total", "Stored messages analysed again for a replace=true call",
            registry=self.registry,
        )
        self.rejected = Counter("voc_rejected_total", "Rejected requests", ["reason"], registry=self.registry)

    def count_analysis(self, analysis: dict[str, Any]) -> None:
        """One newly analysed message, by its topic, owner, sentiment and priority level; a replaced
        one is counted under voc_messages_replaced_total, as its id was counted when first stored."""
        self.messages.labels(
            analysis["topic"]["topic_id"], analysis["topic"]["owner"] or "none",
            analysis["sentiment"]["label"], analysis["priority"]["level"],
        ).inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)


class LatencyMiddleware:
    """Records each request's latency under its route template (not the raw path)."""

    def __init__(self, app: Any, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 500}

        async def capture(message: Any) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, capture)
        finally:
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            path = getattr(scope.get("route"), "path", "unmatched")
            self.metrics.latency.labels(path, method, str(status["code"])).observe(time.perf_counter() - started)
