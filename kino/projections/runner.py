"""Supervised runners: one eventsourcing runner per read model or process.

``Runner`` is what the projector (``kino.projections.projector``) supervises;
``SupervisedRunner`` (a read model, ``kino.projections.supervised``) and ``PolicyRunner``
(a process, ``kino.projections.policy``) implement it on the lifecycle of ``RunnerBase``:
stop and join, count a failure and back off, report position, head and lag as Prometheus
gauges, and clear a failure once the runner got past it.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, Generic, Protocol, TypeVar

import structlog
from eventsourcing.application import Application
from eventsourcing.projection import BaseProjectionRunner

from kino.infrastructure import metrics
from kino.infrastructure.projection_health import short_error
from kino.projections.health import FailureTracker
from kino.projections.specs import Spec

log = structlog.get_logger(__name__)

S = TypeVar("S", bound=Spec)
EventRunner = BaseProjectionRunner[Application[Any]]


class Runner(Protocol):
    """One projection or process under the projector's supervision."""

    @property
    def spec(self) -> Spec: ...
    @property
    def name(self) -> str:
        """What runs now: the live generation's name for a read model."""

    @property
    def failures(self) -> FailureTracker: ...

    def start(self) -> None: ...
    def stop(self) -> str | None:
        """Stop and join; the (shortened) error that had stopped it, if any."""

    def check(self) -> None:
        """Restart after a failure once its back-off ended; whatever else keeps it right."""

    def fail(self, error: BaseException | None = None) -> None: ...
    def started(self) -> bool:
        """True from ``start`` to ``stop`` (also when stopped by an error, until ``check``)."""

    def report(self) -> None: ...
    def poke(self) -> None: ...
    def position(self) -> int: ...
    def known_position(self) -> int: ...


class RunnerBase(ABC, Generic[S]):
    """What both kinds of runner share; subclasses start the eventsourcing runner."""

    def __init__(self, spec: S, env: Mapping[str, str], name: str) -> None:
        self.spec = spec
        self.env = dict(env)
        self.name = name
        self.runner: EventRunner | None = None
        self.last_error: str | None = None
        self.failures = FailureTracker(spec.name, self.app_name)

    @property
    def app_name(self) -> str:
        return self.spec.application_class.name

    @property
    @abstractmethod
    def topics(self) -> Sequence[str]:
        """The event topics it processes (empty: every event)."""

    @abstractmethod
    def start(self) -> None: ...

    @abstractmethod
    def position(self) -> int: ...

    @abstractmethod
    def check(self) -> None: ...

    def started(self) -> bool:
        return self.runner is not None

    def running(self) -> bool:
        return self.runner is not None and not self.runner.is_interrupted.is_set()

    def head(self) -> int:
        if self.runner is None:
            return 0
        return int(self.runner.app.recorder.max_notification_id() or 0)

    def caught_up(self, position: int) -> bool:
        """Nothing this runner would process lies beyond ``position``."""
        if self.runner is None:
            return False
        recorder = self.runner.app.recorder
        return not recorder.select_notifications(start=position + 1, limit=1, topics=self.topics)

    def stop(self) -> str | None:
        runner, self.runner = self.runner, None
        error = stop_runner(runner) if runner is not None else None
        if error is None:
            return None
        self.last_error = short_error(error)
        log.warning("projection stopped with error", projection=self.name, error=self.last_error)
        return self.last_error

    def fail(self, error: BaseException | None = None) -> None:
        """Stop, count a failure, and leave the restart to ``check`` once the back-off ends."""
        position = self.known_position()
        stopped_by = self.stop()
        self.last_error = short_error(error) if error is not None else stopped_by
        reason = self.last_error or "stopped without an error"
        delay = self.failures.failed(reason, position)
        log.warning(
            "projection failed, restarting",
            projection=self.name,
            delay=delay,
            failures=self.failures.failures,
            error=reason,
        )

    def known_position(self) -> int:
        """The position, or the last one known when the store cannot answer."""
        try:
            return self.position()
        except Exception:  # noqa: BLE001 - the store that failed may be the view's own
            return self.failures.stuck_at

    def report(self) -> None:
        labels = (self.spec.name, self.app_name)
        position, head = self.position(), self.head()
        metrics.PROJECTION_POSITION.labels(*labels).set(position)
        metrics.PROJECTION_HEAD.labels(*labels).set(head)
        metrics.PROJECTION_LAG.labels(*labels).set(max(0, head - position))
        if self.running():
            self.failures.progressed(position, lambda: self.caught_up(position))

    def poke(self) -> None:
        """Timed poll fallback: wake the subscription as a NOTIFY would.

        eventsourcing has no public way to do this: reach its subscription's event, and do
        nothing if a later version named it differently (LISTEN/NOTIFY still works then).
        """
        subscription = getattr(getattr(self.runner, "_subscription", None), "subscription", None)
        notified = getattr(subscription, "_has_been_notified", None)
        if isinstance(notified, threading.Event):
            notified.set()


def stop_runner(runner: EventRunner) -> Exception | None:
    """Stop and join; the error that stopped it, if any."""
    try:
        runner.__exit__(None, None, None)
    except Exception as error:  # noqa: BLE001 - reported to the caller
        return error
    return None
