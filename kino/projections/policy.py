"""Runs a process application: an ``EventSourcedProjection`` that follows another
application and records its own new events atomically with its tracking position
(for example, the chat opening a room when a live stream is created)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from eventsourcing.projection import EventSourcedProjectionRunner

from kino.projections.health import FailureTracker
from kino.projections.runner import ProjectionSpec, SupervisedRunner

log = structlog.get_logger(__name__)


class PolicyRunner(SupervisedRunner):
    def __init__(self, spec: ProjectionSpec, env: Mapping[str, str]) -> None:
        self.spec = spec
        self.env = dict(env)
        self.name = spec.name
        self.runner: EventSourcedProjectionRunner[Any, Any] | None = None
        self.last_error: str | None = None
        self.failures = FailureTracker(spec.name, self.app_name)

    def start(self) -> None:
        runner: EventSourcedProjectionRunner[Any, Any] = EventSourcedProjectionRunner(
            application_class=self.spec.application_class,
            projection_class=self.spec.projection_class,
            env=self.env,
        )
        runner.__enter__()
        self.runner = runner
        self.view = runner.projection.recorder
        log.info("process started", process=self.name, position=self.position())

    def position(self) -> int:
        if self.runner is None:
            return self.failures.stuck_at  # the recorder closed with the runner
        return self.view.max_tracking_id(self.spec.application_class.name) or 0

    def check(self) -> None:
        """Restart on failure (after a back-off); its events table is its own: never replay."""
        if self.runner is None:
            if self.failures.due():
                self.start()
        elif self.runner.is_interrupted.is_set():
            self.fail()
