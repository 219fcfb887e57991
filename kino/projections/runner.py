"""Runs projections: one eventsourcing runner per projection, supervised.

The supervisor restarts a runner whose thread failed (after a back-off), replays
a Redis view that lost its data (Redis keeps nothing), and pokes every
subscription on a timer so a lost NOTIFY costs at most one poll interval.
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

from kino.projections.base import PostgresView

log = structlog.get_logger(__name__)

ViewFactory = Callable[[str], TrackingRecorder]


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


class SupervisedRunner:
    def __init__(
        self,
        spec: ProjectionSpec,
        env: Mapping[str, str],
        make_view: ViewFactory,
        generation_name: str | None = None,
    ) -> None:
        self.spec = spec
        self.env = dict(env)
        self.make_view = make_view
        self.name = generation_name or spec.name
        self.view: TrackingRecorder = make_view(self.name)
        self.runner: BaseProjectionRunner[Any] | None = None
        self.restarts = 0
        self.last_error: str | None = None

    def start(self) -> None:
        projection = self.spec.projection_class(view=self.view)
        self.runner = BaseProjectionRunner(
            projection=projection,
            application_class=self.spec.application_class,
            tracking_recorder=self.view,
            topics=projection.topics,
            env=self.env,
        )
        self.runner.__enter__()
        log.info("projection started", projection=self.name, position=self.position())

    def position(self) -> int:
        app_name = self.spec.application_class.name
        return self.view.max_tracking_id(app_name) or 0

    def poke(self) -> None:
        """Timed poll fallback: wake the subscription as a NOTIFY would."""
        runner = self.runner
        subscription = getattr(getattr(runner, "_subscription", None), "subscription", None)
        notified = getattr(subscription, "_has_been_notified", None)
        if isinstance(notified, threading.Event):
            notified.set()

    def failed(self) -> bool:
        return self.runner is not None and self.runner.is_interrupted.is_set()

    def stop(self) -> None:
        runner, self.runner = self.runner, None
        if runner is None:
            return
        try:
            runner.__exit__(None, None, None)
        except Exception as error:  # noqa: BLE001 - record and carry on stopping
            self.last_error = repr(error)
            log.warning("projection stopped with error", projection=self.name, error=repr(error))

    def check(self) -> None:
        """Restart on failure; replay when the view lost its data."""
        app_name = self.spec.application_class.name
        if self.failed():
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
            self.start()
        elif self.view.needs_replay(app_name):  # type: ignore[attr-defined]
            log.warning("view lost its data, replaying from the first event", projection=self.name)
            self.stop()
            self.view = self.make_view(self.name)
            self.start()


class Projector:
    """Runs every given projection until ``stop()``."""

    def __init__(
        self,
        specs: Sequence[ProjectionSpec],
        env: Mapping[str, str],
        make_view: Callable[[ProjectionSpec, str], TrackingRecorder],
        poll_interval: float = 1.0,
        generation_of: Callable[[ProjectionSpec], str] | None = None,
    ) -> None:
        from kino.projections.policy import PolicyRunner

        self.runners = [
            PolicyRunner(spec, env)
            if spec.policy
            else SupervisedRunner(
                spec,
                env,
                lambda name, s=spec: make_view(s, name),  # type: ignore[misc]
                generation_name=generation_of(spec) if generation_of else None,
            )
            for spec in specs
        ]
        self.poll_interval = poll_interval
        self._stopping = threading.Event()

    def start(self) -> None:
        for runner in self.runners:
            runner.start()

    def run_forever(self) -> None:
        while not self._stopping.wait(self.poll_interval):
            for runner in self.runners:
                runner.poke()
                try:
                    runner.check()
                except Exception as error:  # noqa: BLE001 - keep supervising the others
                    log.error(
                        "projection supervision failed", projection=runner.name, error=repr(error)
                    )

    def request_stop(self) -> None:
        """Safe from a signal handler: ``run_forever`` returns soon after."""
        self._stopping.set()

    def stop(self) -> None:
        self._stopping.set()
        for runner in self.runners:
            runner.stop()

    def __enter__(self) -> Projector:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
