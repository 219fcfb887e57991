"""Prometheus metrics shared by every Kino process."""

from __future__ import annotations

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    start_http_server,
)

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
WEBSOCKET_SUBSCRIBERS = Gauge("kino_websocket_subscribers", "Open GraphQL subscriptions")


def serve_metrics(port: int | None, host: str = "0.0.0.0") -> None:  # noqa: S104
    """Worker processes (projector, relay, transcoder) expose /metrics on their own port."""
    if port:
        start_http_server(port, addr=host)


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
