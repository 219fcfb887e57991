"""Prometheus metrics shared by every Kino process."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from typing import Any, Protocol
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    make_wsgi_app,
)
from prometheus_client.exposition import ThreadingWSGIServer

HTTP_REQUESTS = Counter("kino_http_requests_total", "HTTP requests", ["method", "route", "status"])
HTTP_LATENCY = Histogram(
    "kino_http_request_duration_seconds", "HTTP request latency", ["method", "route"]
)
GRAPHQL_OPERATIONS = Counter(
    "kino_graphql_operations_total", "GraphQL operations", ["operation", "type", "outcome"]
)
GRAPHQL_LATENCY = Histogram(
    "kino_graphql_operation_duration_seconds", "GraphQL operation latency", ["operation", "type"]
)
PROJECTION_POSITION = Gauge(
    "kino_projection_position", "Last notification id processed", ["projection", "application"]
)
PROJECTION_HEAD = Gauge(
    "kino_projection_head", "Last notification id of the application", ["projection", "application"]
)
PROJECTION_LAG = Gauge(
    "kino_projection_lag_events", "Notifications not yet processed", ["projection", "application"]
)
PROJECTION_FAILURES = Counter(
    "kino_projection_failures_total",
    "Times a projection stopped with an error (each is retried after a back-off)",
    ["projection", "application"],
)
PROJECTION_FAILING = Gauge(
    "kino_projection_failing",
    "1 while a projection fails (it has not got past the point where it failed)",
    ["projection", "application"],
)
EVENTS_WRITTEN = Counter(
    "kino_events_written_total", "Domain events saved to the event store", ["application", "type"]
)
RELAY_LAG = Gauge(
    "kino_relay_lag_events", "Notifications not yet published to the broker", ["application"]
)
TRANSCODER_JOBS = Counter("kino_transcoder_jobs_total", "Transcoding jobs finished", ["outcome"])
TRANSCODER_JOB_DURATION = Histogram(
    "kino_transcoder_job_duration_seconds",
    "Wall time of a transcoding job",
    buckets=(1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600),
)
TRANSCODER_QUEUE_DEPTH = Gauge(
    "kino_transcoder_queue_depth", "Transcoding jobs waiting in the broker"
)
RESPONSE_CACHE = Counter(
    "kino_graphql_response_cache_total",
    "Anonymous GraphQL reads by how the response cache answered them",
    ["result"],  # hit, miss (computed and kept), skip (not cacheable)
)
LIVE_SESSION = Gauge(
    "kino_live_session",
    "Per live session: input_bits_per_second, fps, encoder_speed, rungs, dropped_frames",
    ["stream", "measure"],
)
LIVE_MEASURES = ("input_bits_per_second", "fps", "encoder_speed", "rungs", "dropped_frames")


def live_measure(session: str, measure: str, value: float) -> None:
    LIVE_SESSION.labels(session, measure).set(value)


def forget_live_session(session: str) -> None:
    """Drop an ended session's series, so the number of series follows the live sessions."""
    for measure in LIVE_MEASURES:
        with suppress(KeyError):
            LIVE_SESSION.remove(session, measure)


LIVE_PUBLISHES = Counter("kino_live_publishes_total", "Publishes the ingest answered", ["outcome"])
WEBSOCKET_SUBSCRIBERS = Gauge("kino_websocket_subscribers", "Open GraphQL subscriptions")
LOOP_LAG = Gauge(
    "kino_loop_lag_seconds",
    "How long the process's loop (asyncio, or the projector's supervise loop) is overdue",
)
LOOP_LATENESS = Histogram(
    "kino_loop_beat_lateness_seconds",
    "How late each heartbeat of the process's loop ran",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)


class ApiMetrics:
    """What the api's edges count, and its /metrics page. Labels come from fixed sets the
    callers name (routes Litestar knows, the schema's root fields), never from a client."""

    def http_request(self, method: str, route: str, status: int, seconds: float) -> None:
        HTTP_REQUESTS.labels(method, route, str(status)).inc()
        HTTP_LATENCY.labels(method, route).observe(seconds)

    def graphql_operation(self, operation: str, kind: str, outcome: str, seconds: float) -> None:
        GRAPHQL_OPERATIONS.labels(operation, kind, outcome).inc()
        GRAPHQL_LATENCY.labels(operation, kind).observe(seconds)

    def response_cache(self, result: str) -> None:
        """How the response cache answered: hit, miss (computed and kept), skip (not cacheable)."""
        RESPONSE_CACHE.labels(result).inc()

    @contextmanager
    def subscription(self) -> Iterator[None]:
        """One open GraphQL subscription while inside."""
        WEBSOCKET_SUBSCRIBERS.inc()
        try:
            yield
        finally:
            WEBSOCKET_SUBSCRIBERS.dec()

    def page(self) -> tuple[bytes, str]:
        """The /metrics page and its content type."""
        return render()


class HealthReport(Protocol):
    @property
    def ok(self) -> bool: ...

    def body(self) -> dict[str, str]: ...


StartResponse = Callable[[str, list[tuple[str, str]]], object]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def serve_metrics(
    port: int | None,
    host: str = "0.0.0.0",  # noqa: S104 - a pod's metrics port is scraped from outside it
    health: Callable[[], HealthReport] | None = None,
) -> ThreadingWSGIServer | None:
    """Worker processes (projector, relay, transcoder) expose /metrics and /healthz on a port.

    The server runs in its own threads, so /healthz answers even while the process's loop is
    blocked, and says so (503) when ``health`` reports it.
    """
    if not port:
        return None
    server = make_server(
        host, port, health_app(health), ThreadingWSGIServer, handler_class=_QuietHandler
    )
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


def health_app(health: Callable[[], HealthReport] | None) -> WsgiApp:
    metrics_app = make_wsgi_app()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != "/healthz":
            scrape: Iterable[bytes] = metrics_app(environ, start_response)
            return scrape
        report = health() if health is not None else None
        ok = report is None or report.ok
        body = json.dumps(report.body() if report is not None else {"status": "ok"}).encode()
        status = "200 OK" if ok else "503 Service Unavailable"
        start_response(status, [("Content-Type", "application/json")])
        return [body]

    return app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes and probes are not worth a log line each."""


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
