"""Runs projections: one eventsourcing runner per projection, supervised.

The supervisor restarts a runner whose thread failed (after a back-off, without holding up
the others), follows the live generation (a rebuild switched it), replays a Redis view that
lost its data (Redis keeps nothing), pokes every subscription on a timer so a lost NOTIFY
costs at most one poll interval, publishes position, head and lag as Prometheus gauges, and
records each projection's health (failing since when, with which error) in PostgreSQL for
the api's /readyz and `kino projections status`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.projection import BaseProjectionRunner, Projection
from eventsourcing.utils import Environment

from kino.infrastructure import metrics
from kino.infrastructure.projection_health import ProjectionHealthStore, short_error
from kino.infrastructure.tracing import resumed_span
from kino.projections.base import PostgresView
from kino.projections.health import FailureTracker, HealthRecorder

log = structlog.get_logger(__name__)


@dataclass(frozen=True)
class ProjectionSpec:
    """What to run: a projection of one application into one view."""

    name: str
    application_class: type[Application[Any]]
    projection_class: type[Projection[Any]]
    view_class: type[TrackingRecorder]
    redis: bool = False
    policy: bool = False  # projection_class is an EventSourcedProjection (a process)


def construct_postgres_view(
    view_class: type[PostgresView], name: str, env: Mapping[str, str]
) -> PostgresView:
    """Build a PostgreSQL view whose tables are prefixed ``name``."""
    factory = InfrastructureFactory[PostgresView].construct(env=Environment(name, dict(env)))
    return factory.tracking_recorder(view_class)


def start_runner(
    spec: ProjectionSpec, view: TrackingRecorder, env: Mapping[str, str]
) -> BaseProjectionRunner[Any]:
    """Start following ``spec``'s application into ``view`` from the view's own position."""
    view.publish_if_first()  # type: ignore[attr-defined]
    projection = traced(spec.projection_class(view=view), spec.name)
    runner: BaseProjectionRunner[Any] = BaseProjectionRunner(
        projection=projection,
        application_class=spec.application_class,
        tracking_recorder=view,
        topics=projection.topics,
        env=dict(env),
    )
    runner.__enter__()
    return runner


def traced(projection: Projection[Any], name: str) -> Projection[Any]:
    """Wrap ``process_event`` in a span naming the projection, application and position."""
    process = projection.process_event

    def process_event(domain_event: Any, tracking: Any) -> None:
        with resumed_span(
            f"project {name}",
            tracking.application_name,
            tracking.notification_id,
            **{
                "kino.projection": name,
                "kino.application": tracking.application_name,
                "kino.notification_id": tracking.notification_id,
                "kino.event": type(domain_event).__qualname__,
            },
        ):
            process(domain_event, tracking)

    projection.process_event = process_event
    return projection


def stop_runner(runner: BaseProjectionRunner[Any]) -> Exception | None:
    """Stop and join; the error that stopped it, if any."""
    try:
        runner.__exit__(None, None, None)
    except Exception as error:  # noqa: BLE001 - reported to the caller
        return error
    return None


def poke(runner: BaseProjectionRunner[Any] | None) -> None:
    """Timed poll fallback: wake the subscription as a NOTIFY would."""
    subscription = getattr(getattr(runner, "_subscription", None), "subscription", None)
    notified = getattr(subscription, "_has_been_notified", None)
    if isinstance(notified, threading.Event):
        notified.set()


class SupervisedRunner:
    def __init__(
        self,
        spec: ProjectionSpec,
        env: Mapping[str, str],
        make_view: Callable[[str], TrackingRecorder],
        live_name: Callable[[], str],
    ) -> None:
        self.spec = spec
        self.env = dict(env)
        self.make_view = make_view
        self.live_name = live_name
        self.name = live_name()
        self.view: TrackingRecorder = make_view(self.name)
        self.runner: BaseProjectionRunner[Any] | None = None
        self.last_error: str | None = None
        self.failures = FailureTracker(spec.name, self.app_name)

    @property
    def app_name(self) -> str:
        return self.spec.application_class.name

    def start(self) -> None:
        self.runner = start_runner(self.spec, self.view, self.env)
        log.info("projection started", projection=self.name, position=self.position())

    def position(self) -> int:
        return self.view.max_tracking_id(self.app_name) or 0

    def head(self) -> int:
        runner = self.runner
        app = getattr(runner, "app", None)
        return int(app.recorder.max_notification_id() or 0) if app is not None else 0

    def running(self) -> bool:
        return self.runner is not None and not self.runner.is_interrupted.is_set()

    def caught_up(self, position: int) -> bool:
        """Nothing this projection would process lies beyond ``position``."""
        app = getattr(self.runner, "app", None)
        if app is None:
            return False
        topics = self.spec.projection_class.topics
        return not app.recorder.select_notifications(start=position + 1, limit=1, topics=topics)

    def stop(self) -> str | None:
        """Stop and join; the (shortened) error that had stopped it, if any."""
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
        """The position, or the last one known when the view cannot answer."""
        try:
            return self.position()
        except Exception:  # noqa: BLE001 - the store that failed may be the view's own
            return self.failures.stuck_at

    def restart_as(self, name: str) -> None:
        self.stop()
        self.name = name
        self.view = self.make_view(name)
        self.start()

    def check(self) -> None:
        """Restart on failure; follow a switched generation; replay a view that lost its data."""
        live = self.live_name()
        if live != self.name:
            log.info("live generation switched", projection=self.spec.name, now=live)
            self.restart_as(live)
        elif self.runner is None:
            if self.failures.due():
                self.restart_as(live)
        elif self.runner.is_interrupted.is_set():
            self.fail()
        elif self.view.needs_replay(self.app_name):  # type: ignore[attr-defined]
            log.warning("view lost its data, replaying what Redis lost", projection=self.name)
            self.restart_as(self.name)

    def report(self) -> None:
        labels = (self.spec.name, self.app_name)
        position, head = self.position(), self.head()
        metrics.PROJECTION_POSITION.labels(*labels).set(position)
        metrics.PROJECTION_HEAD.labels(*labels).set(head)
        metrics.PROJECTION_LAG.labels(*labels).set(max(0, head - position))
        if self.running():
            self.failures.progressed(position, lambda: self.caught_up(position))


class Projector:
    """Runs every given projection until ``stop()``."""

    def __init__(
        self,
        specs: Sequence[ProjectionSpec],
        env: Mapping[str, str],
        make_view: Callable[[ProjectionSpec, str], TrackingRecorder],
        live_name: Callable[[ProjectionSpec], str],
        poll_interval: float = 1.0,
        *,
        periodic: Sequence[Callable[[], object]] = (),
        health: ProjectionHealthStore | None = None,
    ) -> None:
        self.periodic = list(periodic)  # small jobs run every poll (e.g. folding view counts)
        self.health = HealthRecorder(health)
        from kino.projections.policy import PolicyRunner

        self.runners = [
            PolicyRunner(spec, env)
            if spec.policy
            else SupervisedRunner(
                spec,
                env,
                lambda name, s=spec: make_view(s, name),  # type: ignore[misc]
                lambda s=spec: live_name(s),  # type: ignore[misc]
            )
            for spec in specs
        ]
        self.poll_interval = poll_interval
        self._stopping = threading.Event()
        self._periodic_thread: threading.Thread | None = None

    def start(self) -> None:
        """Start every runner; one that cannot start now is retried like a failed one."""
        stored = self.health.previous([runner.spec.name for runner in self.runners])
        for runner in self.runners:
            try:
                runner.start()
            except Exception as error:  # noqa: BLE001 - retried after a back-off
                runner.fail(error)
            if runner.spec.name in stored:
                runner.failures.resume(stored[runner.spec.name], runner.known_position())
        self.health.record([runner.failures.report() for runner in self.runners])
        if self.periodic:
            self._periodic_thread = threading.Thread(
                target=self._run_periodic, name="projector-periodic", daemon=True
            )
            self._periodic_thread.start()

    def _run_periodic(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            for job in self.periodic:
                try:
                    job()
                except Exception as error:  # noqa: BLE001 - retried at the next poll
                    log.error("periodic projector job failed", job=repr(job), error=repr(error))

    def run_forever(self, heartbeat: Callable[[], None] = lambda: None) -> None:
        """Supervise every poll; ``heartbeat`` tells a watchdog the loop still turns."""
        while not self._stopping.wait(self.poll_interval):
            heartbeat()
            self.supervise()

    def supervise(self) -> None:
        for runner in self.runners:
            poke(runner.runner)
            try:
                runner.check()
                if runner.runner is not None:  # else it waits for its back-off to end
                    runner.report()
            except Exception as error:  # noqa: BLE001 - keep supervising the others
                runner.fail(error)
        self.health.record([runner.failures.report() for runner in self.runners])

    def request_stop(self) -> None:
        """Safe from a signal handler: ``run_forever`` returns soon after."""
        self._stopping.set()

    def stop(self) -> None:
        self._stopping.set()
        if self._periodic_thread is not None:
            self._periodic_thread.join()
        for runner in self.runners:
            runner.stop()
        self.health.close()

    def __enter__(self) -> Projector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
