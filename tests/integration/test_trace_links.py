"""Traces cross processes: a save's trace continues in the projector, relay and transcoder."""

from __future__ import annotations

from kino.commands.accounts import Accounts
from kino.infrastructure import tracing
from kino.infrastructure.passwords import FastPasswords
from tests.unit.test_tracing import exporter


def test_a_saved_events_trace_is_resumed_elsewhere(settings, redis_client):
    memory = exporter()
    tracing.enable_trace_links(settings.redis_url, settings.redis_namespace)
    try:
        accounts = Accounts(env={}, passwords=FastPasswords())
        with tracing.span("graphql register") as operation:
            grant = accounts.register("trace@example.com", "trace_user", "correct horse battery")
        trace_id = operation.get_span_context().trace_id

        # Another process (projector, relay) handling that notification joins the trace...
        with tracing.resumed_span("project users", "accounts", grant.position) as projected:
            headers = tracing.inject_headers({"Nats-Msg-Id": "x"})
        assert projected.get_span_context().trace_id == trace_id
        # ...and passes it on in message headers (relay → transcoder).
        assert headers["traceparent"].split("-")[1] == f"{trace_id:032x}"
        context = tracing.extract_headers(headers)
        with tracing.trace.get_tracer("kino").start_as_current_span(
            "transcode", context=context
        ) as job:
            assert job.get_span_context().trace_id == trace_id

        # An event with no recorded trace starts a fresh one.
        with tracing.resumed_span("project users", "accounts", 10**9) as orphan:
            assert orphan.get_span_context().trace_id != trace_id
        names = {s.name for s in memory.get_finished_spans() if s.context.trace_id == trace_id}
        assert {"graphql register", "eventstore.save", "project users", "transcode"} <= names
    finally:
        tracing.links = None
        for key in redis_client.scan_iter(match=f"{settings.redis_namespace}:trace:*"):
            redis_client.unlink(key)
