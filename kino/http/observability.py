"""Per-request observability: a request id bound to every log line and echoed in the
response, an access log line, and Prometheus metrics for HTTP requests. Every label comes
from a fixed set: this middleware only sees requests Litestar routed (unknown paths and
methods never reach it)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from functools import partial
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from kino.bootstrap.container import ApiMetrics

log = structlog.get_logger("kino.access")
_REQUEST_ID = re.compile(r"[A-Za-z0-9._-]{8,64}")
_KNOWN_ROUTES = ("/graphql", "/healthz", "/readyz", "/metrics", "/login", "/upload", "/")


def route_label(path: str) -> str:
    if path in _KNOWN_ROUTES:
        return path
    first = "/" + path.strip("/").split("/")[0]
    return f"{first}/*" if first != "/" else "other"


def request_id_from(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-ID when it is sane, else a new one."""
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.fullmatch(text):
                return text
    return uuid.uuid4().hex


def http_metrics(metrics: ApiMetrics) -> Callable[[ASGIApp], ASGIApp]:
    """The middleware that counts each request in ``metrics`` and logs it."""
    return partial(http_metrics_middleware, metrics=metrics)


def http_metrics_middleware(app: ASGIApp, *, metrics: ApiMetrics) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return
        started = time.perf_counter()
        status: dict[str, Any] = {"code": 500}
        request_id = request_id_from(list(scope.get("headers") or []))

        async def record(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message["headers"] = [
                    *message.get("headers", []),
                    (b"x-request-id", request_id.encode()),
                ]
            await send(message)

        route = route_label(scope["path"])
        method = str(scope.get("method", "GET"))
        with structlog.contextvars.bound_contextvars(request_id=request_id):
            try:
                await app(scope, receive, record)
            finally:
                elapsed = time.perf_counter() - started
                metrics.http_request(method, route, int(status["code"]), elapsed)
                if route not in ("/healthz", "/readyz", "/metrics"):
                    log.info(
                        "request",
                        method=method,
                        path=scope["path"],
                        status=status["code"],
                        ms=round(elapsed * 1000, 1),
                    )

    return middleware
