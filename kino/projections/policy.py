"""Runs a process application: an ``EventSourcedProjection`` that follows another
application and records its own new events atomically with its tracking position
(for example, the chat opening a room when a live stream is created)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from eventsourcing.projection import EventSourcedProjectionRunner

from kino.projections.runner import ProjectionSpec, SupervisedRunner

log = structlog.get_logger(__name__)


class PolicyRunner(SupervisedRunner):
    def __init__(self, spec: ProjectionSpec, env: Mapping[str, str]) -> None:
        self.spec = spec
        self.env = dict(env)
        self.name = spec.name
        self.runner: EventSourcedProjectionRunner[Any, Any] | None = None
        self.restarts = 0
        self.last_error: str | None = None

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
            return 0
        return self.view.max_tracking_id(self.spec.application_class.name) or 0

    def check(self) -> None:
        """Restart on failure; the process's events table is its own, so never replay."""
        if self.runner is not None and self.runner.is_interrupted.is_set():
            self.stop()
            self.restarts += 1
            log.warning("process failed, restarting", process=self.name, error=self.last_error)
            self.start()
