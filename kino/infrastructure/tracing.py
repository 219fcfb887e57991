"""OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.

Without an endpoint the global tracer stays OpenTelemetry's no-op one, so spans cost
nearly nothing. Spans cross threads with contextvars (``asyncio.to_thread`` copies them),
so an api operation's span is the parent of the event-store save it caused. Across
processes, ``TraceLinks`` carries the trace from a save to the projector and the relay, and
the relay passes it on to the transcoder in the message headers.
"""

from __future__ import annotations

import contextlib
from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

tracer = trace.get_tracer("kino")
_configured = False


def configure_tracing(
    process: str, endpoint: str | None, exporter: SpanExporter | None = None
) -> bool:
    """Install a tracer provider for this process; False when tracing stays off."""
    global _configured  # noqa: PLW0603 - one provider per process
    if _configured or (endpoint is None and exporter is None):
        return _configured
    if exporter is None:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=f"{(endpoint or '').rstrip('/')}/v1/traces")
    provider = TracerProvider(resource=Resource.create({"service.name": f"kino-{process}"}))
    provider.add_span_processor(BatchSpanProcessor(exporter))
    trace.set_tracer_provider(provider)
    _configured = True
    return True


def span(name: str, **attributes: Any) -> AbstractContextManager[trace.Span]:
    return trace.get_tracer("kino").start_as_current_span(name, attributes=attributes)


class TraceLinks:
    """Carries trace context from the process that saved an event to those that handle it.

    After a save, ``remember`` stores the current ``traceparent`` under the event's
    notification id (Redis, one hour); a projector or the relay ``resume``s that trace
    when it processes the notification. Telemetry only: losing a link loses nothing else.
    """

    def __init__(self, redis_url: str, namespace: str, ttl_seconds: int = 3600) -> None:
        import redis

        self._redis = redis.Redis.from_url(redis_url)
        self._namespace = namespace
        self._ttl = ttl_seconds

    def _key(self, application: str, notification_id: int) -> str:
        return f"{self._namespace}:trace:{application}:{notification_id}"

    def remember(self, application: str, notification_ids: list[int]) -> None:
        carrier: dict[str, str] = {}
        _propagator.inject(carrier)
        if "traceparent" in carrier:
            with self._redis.pipeline(transaction=False) as pipe:
                for notification_id in notification_ids:
                    pipe.set(
                        self._key(application, notification_id),
                        carrier["traceparent"],
                        ex=self._ttl,
                    )
                pipe.execute()

    def context_for(self, application: str, notification_id: int) -> Context | None:
        value = self._redis.get(self._key(application, notification_id))
        if value is None:
            return None
        text = value.decode() if isinstance(value, bytes) else str(value)
        return _propagator.extract({"traceparent": text})


_propagator = TraceContextTextMapPropagator()
links: TraceLinks | None = None


def enable_trace_links(redis_url: str, namespace: str) -> None:
    """Called once per process when tracing is on."""
    global links  # noqa: PLW0603 - one per process
    links = TraceLinks(redis_url, namespace)


def remember(application: str, notification_ids: list[int]) -> None:
    if links is not None:
        with contextlib.suppress(Exception):  # telemetry must never fail a command
            links.remember(application, notification_ids)


def resumed_span(
    name: str, application: str, notification_id: int, **attributes: Any
) -> AbstractContextManager[trace.Span]:
    """A span continuing the trace that saved ``notification_id``, when it is known."""
    parent = None
    if links is not None:
        try:
            parent = links.context_for(application, notification_id)
        except Exception:  # noqa: BLE001 - telemetry must never fail processing
            parent = None
    return trace.get_tracer("kino").start_as_current_span(
        name, context=parent, attributes=attributes
    )


def inject_headers(headers: dict[str, str]) -> dict[str, str]:
    """Add the current trace context to outgoing message headers."""
    _propagator.inject(headers)
    return headers


def extract_headers(headers: dict[str, str] | None) -> Context:
    return _propagator.extract(headers or {})
