"""Runs projections: one eventsourcing runner per projection, supervised.

The supervisor restarts a runner whose thread failed (after a back-off), follows the live
generation (a rebuild switched it), replays a Redis view that lost its data (Redis keeps
nothing), pokes every subscription on a timer so a lost NOTIFY costs at most one poll
interval, and publishes position, head and lag as Prometheus gauges.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import structlog
from eventsourcing.application import Application
from eventsourcing.persistence import InfrastructureFactory, TrackingRecorder
from eventsourcing.projection import BaseProjectionRunner, Projection
from eventsourcing.utils import Environment

from kino.infrastructure import metrics
from kino.infrastructure.tracing import resumed_span
from kino.projections.base import PostgresView

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


def stop_runner(runner: BaseProjectionRunner[Any]) -> str | None:
    """Stop and join; the error that stopped it, if any."""
    try:
        runner.__exit__(None, None, None)
    except Exception as error:  # noqa: BLE001 - reported to the caller
        return repr(error)
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
        self.restarts = 0
        self.last_error: str | None = None

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

    def stop(self) -> None:
        runner, self.runner = self.runner, None
        if runner is not None and (error := stop_runner(runner)):
            self.last_error = error
            log.warning("projection stopped with error", projection=self.name, error=error)

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
        elif self.runner is not None and self.runner.is_interrupted.is_set():
            self.stop()
            self.restarts += 1
            delay = min(30.0, 0.5 * 2 ** min(self.restarts, 6))
            log.warning(
                "projection failed, restarting",
                projection=self.name,
                delay=delay,
                error=self.last_error,
            )
            time.sleep(delay)
            self.restart_as(self.live_name())
        elif self.view.needs_replay(self.app_name):  # type: ignore[attr-defined]
            log.warning("view lost its data, replaying from the first event", projection=self.name)
            self.restart_as(self.name)

    def report(self) -> None:
        labels = (self.spec.name, self.app_name)
        position, head = self.position(), self.head()
        metrics.PROJECTION_POSITION.labels(*labels).set(position)
        metrics.PROJECTION_HEAD.labels(*labels).set(head)
        metrics.PROJECTION_LAG.labels(*labels).set(max(0, head - position))


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
    ) -> None:
        self.periodic = list(periodic)  # small jobs run every poll (e.g. folding view counts)
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
        for runner in self.runners:
            runner.start()
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

    def run_forever(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            self.supervise()

    def supervise(self) -> None:
        for runner in self.runners:
            poke(runner.runner)
            try:
                runner.check()
                runner.report()
            except Exception as error:  # noqa: BLE001 - keep supervising the others
                log.error(
                    "projection supervision failed", projection=runner.name, error=repr(error)
                )

    def request_stop(self) -> None:
        """Safe from a signal handler: ``run_forever`` returns soon after."""
        self._stopping.set()

    def stop(self) -> None:
        self._stopping.set()
        if self._periodic_thread is not None:
            self._periodic_thread.join()
        for runner in self.runners:
            runner.stop()

    def __enter__(self) -> Projector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
