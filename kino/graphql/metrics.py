"""Prometheus metrics for GraphQL operations (by name and outcome) and HTTP requests."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.extensions import SchemaExtension

from kino.infrastructure import metrics

_KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics", "/login", "/upload", "/")


class OperationMetrics(SchemaExtension):
    def on_operation(self) -> Iterator[None]:
        started = time.perf_counter()
        yield
        context = self.execution_context
        name = (context.operation_name or "anonymous")[:64]
        try:
            kind = context.operation_type.value
        except RuntimeError:  # the document did not parse
            kind = "invalid"
        result = context.result
        outcome = "error" if result is None or getattr(result, "errors", None) else "ok"
        metrics.GRAPHQL_OPERATIONS.labels(name, kind, outcome).inc()
        metrics.GRAPHQL_LATENCY.labels(name, kind).observe(time.perf_counter() - started)


def route_label(path: str) -> str:
    if path in _KNOWN_ROUTES:
        return path
    first = "/" + path.strip("/").split("/")[0]
    return f"{first}/*" if first != "/" else "other"


def http_metrics_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await app(scope, receive, record)
        finally:
            route = route_label(scope["path"])
            method = str(scope.get("method", "GET"))
            metrics.HTTP_REQUESTS.labels(method, route, str(status["code"])).inc()
            metrics.HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - started)

    return middleware
