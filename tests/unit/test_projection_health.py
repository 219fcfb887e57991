"""When a projection counts as failing, what /readyz shows of it, and what an error keeps."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg
from prometheus_client import REGISTRY

from kino.infrastructure.projection_health import (
    STALE_AFTER_SECONDS,
    StoredHealth,
    readiness_problems,
    short_error,
)
from kino.projections.health import MAX_BACK_OFF_SECONDS, FailureTracker


def never_caught_up() -> bool:
    return False


def sample(metric: str, name: str) -> float | None:
    return REGISTRY.get_sample_value(metric, {"projection": name, "application": "app"})


def failing_gauge(name: str) -> float | None:
    return sample("kino_projection_failing", name)


def failures_counted(name: str) -> float | None:
    return sample("kino_projection_failures_total", name)


def test_a_projection_failing_on_one_event_stays_failing_through_every_retry():
    tracker = FailureTracker("unit_poisoned", "app")
    first = tracker.failed("DataError: NUL", position=41)
    since = tracker.failing_since
    tracker.progressed(41, never_caught_up)  # a retry ran, but did not get past event 42
    second = tracker.failed("DataError: NUL", position=41)
    assert tracker.failing and tracker.failing_since == since
    assert tracker.failures == 2
    assert second > first
    assert failing_gauge("unit_poisoned") == 1
    assert failures_counted("unit_poisoned") == 2
    report = tracker.report()
    assert (report.name, report.failures, report.last_error) == (
        "unit_poisoned",
        2,
        "DataError: NUL",
    )


def test_getting_past_the_failed_event_or_catching_up_clears_it():
    tracker = FailureTracker("unit_recovering", "app")
    tracker.failed("boom", position=41)
    tracker.progressed(42, never_caught_up)
    assert not tracker.failing and tracker.failures == 0
    assert failing_gauge("unit_recovering") == 0
    assert tracker.report().last_error == "boom"  # kept for the operator, not failing any more

    tracker.failed("Redis down", position=41)  # nothing new to process: caught up is enough
    tracker.progressed(41, lambda: True)
    assert not tracker.failing


def test_the_back_off_grows_to_its_bound_and_restarts_after_recovery():
    tracker = FailureTracker("unit_backoff", "app")
    delays = [tracker.failed("boom", position=0) for _ in range(10)]
    assert delays == sorted(delays)
    assert delays[-1] == MAX_BACK_OFF_SECONDS
    assert not tracker.due()
    tracker.progressed(1, never_caught_up)
    assert tracker.failed("boom", position=1) == delays[0]


def test_a_failure_recorded_by_an_earlier_projector_keeps_its_start():
    since = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    stored = StoredHealth("unit_resumed", since, 7, "old error", since, 1.0)
    tracker = FailureTracker("unit_resumed", "app")
    tracker.resume(stored, position=10)
    assert tracker.failing_since == since and tracker.failures == 7
    tracker.progressed(10, never_caught_up)
    assert tracker.failing  # still at the position it was stuck at
    tracker.progressed(11, never_caught_up)
    assert not tracker.failing


def test_readyz_names_failing_and_unreported_projections_without_their_errors():
    since = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    rows = [
        StoredHealth("videos", since, 3, "DataError: secret detail", since, 1.0),
        StoredHealth("users", None, 0, None, None, 1.0),
        StoredHealth("comments", None, 0, None, None, STALE_AFTER_SECONDS + 5),
    ]
    problems = readiness_problems(rows)
    assert problems == {
        "videos": {"status": "failing", "since": since.isoformat(), "failures": 3},
        "comments": {"status": "not running", "seconds_since_report": 65},
    }
    assert "secret" not in str(problems)


def test_short_errors_keep_the_first_line_and_drop_credentials():
    error = psycopg.OperationalError(
        'connection to "postgresql://kino:hunter2@db:5432/kino" failed\nDETAIL: row (a@b.c)'
    )
    assert short_error(error) == (
        'OperationalError: connection to "postgresql://***@db:5432/kino" failed'
    )
    assert "hunter2" not in short_error(RuntimeError("host=db password=hunter2 user=kino"))
    assert len(short_error(ValueError("x" * 5000))) <= 300
    assert short_error(KeyError()) == "KeyError"
