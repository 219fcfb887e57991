"""Whether one projection is failing, and when to try it again.

A projection is failing from the first error that stops its runner (or keeps it from
starting, or from reporting its position) until it is running again and has got past the
position where it failed, or has nothing left to process. A projection that fails on one
event therefore stays failing through every retry, however briefly each retry runs, and a
transient failure (a database restart) clears as soon as the projection catches up.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import structlog

from kino.infrastructure import metrics
from kino.infrastructure.projection_health import (
    HealthReport,
    ProjectionHealthStore,
    StoredHealth,
    short_error,
)

log = structlog.get_logger(__name__)

MAX_BACK_OFF_SECONDS = 30.0


class FailureTracker:
    def __init__(self, projection: str, application: str) -> None:
        self.projection = projection
        self.labels = (projection, application)
        self.failing_since: datetime | None = None
        self.failures = 0  # in a row, since failing_since
        self.last_error: str | None = None
        self.last_failure_at: datetime | None = None
        self.stuck_at = 0  # the position when it last failed
        self.retry_at = 0.0  # time.monotonic() after which it may start again
        metrics.PROJECTION_FAILING.labels(*self.labels).set(0)

    @property
    def failing(self) -> bool:
        return self.failing_since is not None

    def failed(self, error: str, position: int) -> float:
        """Count a failure at ``position``; the back-off (seconds) before the next start."""
        now = datetime.now(UTC)
        self.failing_since = self.failing_since or now
        self.failures += 1
        self.last_error, self.last_failure_at = error, now
        self.stuck_at = position
        delay = min(MAX_BACK_OFF_SECONDS, 0.5 * float(2 ** min(self.failures, 6)))
        self.retry_at = time.monotonic() + delay
        metrics.PROJECTION_FAILURES.labels(*self.labels).inc()
        metrics.PROJECTION_FAILING.labels(*self.labels).set(1)
        return delay

    def due(self) -> bool:
        return time.monotonic() >= self.retry_at

    def progressed(self, position: int, caught_up: Callable[[], bool]) -> None:
        """Called while the runner runs: clear the failure once it got past it."""
        if self.failing_since is None or not (position > self.stuck_at or caught_up()):
            return
        log.info(
            "projection recovered",
            projection=self.projection,
            position=position,
            failed_since=self.failing_since.isoformat(),
            failures=self.failures,
        )
        self.failing_since, self.failures = None, 0
        metrics.PROJECTION_FAILING.labels(*self.labels).set(0)

    def resume(self, stored: StoredHealth, position: int) -> None:
        """Carry on a failure an earlier projector recorded, so "since" stays true."""
        if self.last_error is None:
            self.last_error, self.last_failure_at = stored.last_error, stored.last_failure_at
        if stored.failing_since is None:
            return
        if self.failing_since is None:
            self.stuck_at = position
        self.failing_since = min(stored.failing_since, self.failing_since or stored.failing_since)
        self.failures += stored.failures
        metrics.PROJECTION_FAILING.labels(*self.labels).set(1)

    def report(self) -> HealthReport:
        return HealthReport(
            self.projection,
            self.failing_since,
            self.failures,
            self.last_error,
            self.last_failure_at,
        )


class HealthRecorder:
    """The projector's side of the health table; never stops the projector when it fails."""

    def __init__(self, store: ProjectionHealthStore | None) -> None:
        self.store = store
        self._unrecorded = False

    def previous(self, names: Sequence[str]) -> dict[str, StoredHealth]:
        """What an earlier projector recorded (forgetting projections that no longer exist)."""
        if self.store is None:
            return {}
        try:
            self.store.forget_others(names)
            return {row.name: row for row in self.store.load()}
        except Exception as error:  # noqa: BLE001 - health is reported, never required
            log.warning("projection health not read", error=short_error(error))
            return {}

    def record(self, reports: Sequence[HealthReport]) -> None:
        """The heartbeat /readyz reads, every supervision tick."""
        if self.store is None:
            return
        try:
            self.store.record(reports)
        except Exception as error:  # noqa: BLE001 - retried at the next tick
            if not self._unrecorded:
                log.warning("projection health not recorded", error=short_error(error))
            self._unrecorded = True
        else:
            self._unrecorded = False

    def close(self) -> None:
        if self.store is not None:
            self.store.close()
