"""Spans: an operation's span parents the event-store save; projections trace each event."""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from kino.commands.accounts import Accounts
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.tracing import configure_tracing, span
from kino.projections.supervised import traced
from kino.projections.users import UserProjection


def exporter() -> InMemorySpanExporter:
    memory = InMemorySpanExporter()
    configure_tracing("test", None, exporter=memory)
    provider = trace.get_tracer_provider()
    assert isinstance(provider, TracerProvider)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    return memory


class RecordingView:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def insert_user(self, event, tracking) -> None:
        self.calls.append(f"insert {event.handle} @{tracking.notification_id}")

    def insert_tracking(self, tracking) -> None:
        self.calls.append(f"track @{tracking.notification_id}")


def test_saves_are_children_of_the_operation_span():
    memory = exporter()
    accounts = Accounts(env={}, passwords=FastPasswords())
    with span("graphql register") as operation:
        accounts.register("t@example.com", "traced", "correct horse battery")
    saves = [s for s in memory.get_finished_spans() if s.name == "eventstore.save"]
    assert len(saves) == 1
    assert saves[0].parent is not None
    assert saves[0].parent.span_id == operation.get_span_context().span_id
    assert saves[0].attributes["kino.application"] == "accounts"
    assert saves[0].attributes["kino.events"] == 4


def test_projections_trace_every_event():
    memory = exporter()
    accounts = Accounts(env={}, passwords=FastPasswords())
    accounts.register("p@example.com", "projected", "correct horse battery")
    view = RecordingView()
    projection = traced(UserProjection(view=view), "users")  # type: ignore[arg-type]
    for notification in accounts.notification_log.select(start=1, limit=10):
        from eventsourcing.persistence import Tracking

        projection.process_event(
            accounts.mapper.to_domain_event(notification), Tracking("accounts", notification.id)
        )
    assert view.calls[0] == "insert projected @1"
    spans = [s for s in memory.get_finished_spans() if s.name == "project users"]
    assert [s.attributes["kino.notification_id"] for s in spans] == [1, 2, 3, 4]
    assert spans[0].attributes["kino.event"] == "User.Registered"
