"""Runs one read model: its projection into the live generation's view, supervised.

The runner follows the live generation (a rebuild switched it) and replays a view whose
store lost data under it (Redis keeps nothing); failures back off (``RunnerBase``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

import structlog
from eventsourcing.persistence import Tracking
from eventsourcing.projection import BaseProjectionRunner, Projection

from kino.infrastructure.tracing import resumed_span
from kino.projections.runner import EventRunner, RunnerBase
from kino.projections.specs import ProjectionSpec
from kino.projections.view import ReadModelView, tracking_recorder

log = structlog.get_logger(__name__)


class ViewFactory(Protocol):
    """Where read models live (``ProjectionTools`` of the composition root)."""

    def view(self, spec: ProjectionSpec, name: str) -> ReadModelView:
        """The view of ``spec`` whose tables or keys are prefixed ``name``."""

    def live_name(self, spec: ProjectionSpec) -> str:
        """The prefix of ``spec``'s live generation."""


def start_runner(spec: ProjectionSpec, view: ReadModelView, env: Mapping[str, str]) -> EventRunner:
    """Start following ``spec``'s application into ``view`` from the view's own position."""
    view.publish_if_first()
    projection = traced(spec.projection_class(view=view), spec.name)
    runner: EventRunner = BaseProjectionRunner(
        projection=projection,
        application_class=spec.application_class,
        tracking_recorder=tracking_recorder(view),
        topics=projection.topics,
        env=dict(env),
    )
    runner.__enter__()
    return runner


def traced(projection: Projection[Any], name: str) -> Projection[Any]:
    """Wrap ``process_event`` in a span naming the projection, application and position."""
    process = projection.process_event

    def process_event(domain_event: Any, tracking: Tracking) -> None:
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


class SupervisedRunner(RunnerBase[ProjectionSpec]):
    def __init__(self, spec: ProjectionSpec, env: Mapping[str, str], views: ViewFactory) -> None:
        super().__init__(spec, env, views.live_name(spec))
        self.views = views
        self.view = views.view(spec, self.name)

    @property
    def topics(self) -> Sequence[str]:
        return self.spec.projection_class.topics

    def start(self) -> None:
        self.runner = start_runner(self.spec, self.view, self.env)
        log.info("projection started", projection=self.name, position=self.position())

    def position(self) -> int:
        return self.view.max_tracking_id(self.app_name) or 0

    def restart_as(self, name: str) -> None:
        self.stop()
        self.name = name
        self.view = self.views.view(self.spec, name)
        self.start()

    def check(self) -> None:
        """Restart on failure; follow a switched generation; replay a view that lost its data."""
        live = self.views.live_name(self.spec)
        if live != self.name:
            log.info("live generation switched", projection=self.spec.name, now=live)
            self.restart_as(live)
        elif self.runner is None:
            if self.failures.due():
                self.restart_as(live)
        elif self.runner.is_interrupted.is_set():
            self.fail()
        elif self.view.needs_replay(self.app_name):
            log.warning("view lost its data, replaying what Redis lost", projection=self.name)
            self.restart_as(self.name)
