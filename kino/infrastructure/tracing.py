"""OpenTelemetry traces, exported over OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set.

Without an endpoint the global tracer stays OpenTelemetry's no-op one, so spans cost
nearly nothing. Spans cross threads with contextvars (``asyncio.to_thread`` copies them),
so an api operation's span is the parent of the event-store save it caused. Processes are
linked by attributes (``kino.application``, ``kino.notification_id``), not by a shared trace.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

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
