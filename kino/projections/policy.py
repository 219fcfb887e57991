"""Runs a process application: an ``EventSourcedProjection`` that follows another
application and records its own new events atomically with its tracking position
(for example, the chat opening a room when a live stream is created)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import structlog
from eventsourcing.persistence import ProcessRecorder
from eventsourcing.projection import EventSourcedProjection, EventSourcedProjectionRunner

from kino.projections.runner import RunnerBase
from kino.projections.specs import ProcessSpec

log = structlog.get_logger(__name__)


class PolicyRunner(RunnerBase[ProcessSpec]):
    def __init__(self, spec: ProcessSpec, env: Mapping[str, str]) -> None:
        super().__init__(spec, env, spec.name)
        self.recorder: ProcessRecorder | None = None  # the process's own, open while it runs

    @property
    def topics(self) -> Sequence[str]:
        return self.spec.process_class.topics

    def start(self) -> None:
        runner = EventSourcedProjectionRunner[Any, EventSourcedProjection[Any]](
            application_class=self.spec.application_class,
            projection_class=self.spec.process_class,
            env=self.env,
        )
        runner.__enter__()
        self.runner, self.recorder = runner, runner.projection.recorder
        log.info("process started", process=self.name, position=self.position())

    def position(self) -> int:
        if self.runner is None or self.recorder is None:
            return self.failures.stuck_at  # the recorder closed with the runner
        return self.recorder.max_tracking_id(self.app_name) or 0

    def check(self) -> None:
        """Restart on failure (after a back-off); its events table is its own: never replay."""
        if self.runner is None:
            if self.failures.due():
                self.start()
        elif self.runner.is_interrupted.is_set():
            self.fail()
