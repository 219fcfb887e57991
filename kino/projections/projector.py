"""The projector: every read model and process, supervised until ``stop()``.

Each supervision tick it restarts a runner whose thread failed (after a back-off, without
holding up the others), lets each runner follow its live generation or replay a view that
lost its data, pokes every subscription so a lost NOTIFY costs at most one poll interval,
publishes position, head and lag as Prometheus gauges, and records each projection's health
(failing since when, with which error) in PostgreSQL for the api's /readyz and `kino
projections status`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence

import structlog

from kino.infrastructure.projection_health import ProjectionHealthStore
from kino.projections.health import HealthRecorder
from kino.projections.policy import PolicyRunner
from kino.projections.runner import Runner
from kino.projections.specs import ProjectionSpec, Spec
from kino.projections.supervised import SupervisedRunner, ViewFactory

log = structlog.get_logger(__name__)


def runner_for(spec: Spec, env: Mapping[str, str], views: ViewFactory) -> Runner:
    if isinstance(spec, ProjectionSpec):
        return SupervisedRunner(spec, env, views)
    return PolicyRunner(spec, env)


class Projector:
    """Runs every given projection until ``stop()``."""

    def __init__(
        self,
        specs: Sequence[Spec],
        env: Mapping[str, str],
        views: ViewFactory,
        poll_interval: float = 1.0,
        *,
        periodic: Sequence[Callable[[], object]] = (),
        health: ProjectionHealthStore | None = None,
    ) -> None:
        self.runners = [runner_for(spec, env, views) for spec in specs]
        self.periodic = list(periodic)  # small jobs run every poll (e.g. folding view counts)
        self.health = HealthRecorder(health)
        self.poll_interval = poll_interval
        self._stopping = threading.Event()
        self._stop_requested = False  # a plain flag: a signal handler may set it
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
        while not self._stop_requested and not self._stopping.wait(self.poll_interval):
            heartbeat()
            self.supervise()

    def supervise(self) -> None:
        for runner in self.runners:
            runner.poke()
            try:
                runner.check()
                if runner.started():  # else it waits for its back-off to end
                    runner.report()
            except Exception as error:  # noqa: BLE001 - keep supervising the others
                runner.fail(error)
        self.health.record([runner.failures.report() for runner in self.runners])

    def request_stop(self) -> None:
        """Safe from a signal handler (it takes no lock): ``run_forever`` returns within a
        poll interval."""
        self._stop_requested = True

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
