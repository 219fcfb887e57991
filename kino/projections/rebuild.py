"""Blue/green rebuild of one read model, resumable, while the live one keeps serving.

1. Claim generation N+1 (or resume the one an interrupted rebuild left).
2. Project every event into N+1's own tables or keys, beside the live generation N.
3. Once N+1 has caught up with the head, switch readers atomically (public SQL views and
   the generations row in one transaction; the Redis pointer right after).
4. The live projector notices the switch and keeps N+1 up to date; after a grace period
   generation N is dropped.

Writes during the rebuild are not lost: N+1 reads them from the event store like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from eventsourcing.persistence import TrackingRecorder

from kino.projections.generations import Generations, generation_name
from kino.projections.runner import ProjectionSpec, poke, start_runner, stop_runner

Progress = Callable[[int, int], None]  # (position, head)


@dataclass(frozen=True)
class RebuildResult:
    name: str
    old_generation: int
    new_generation: int
    resumed: bool
    events: int
    seconds: float


def rebuild(
    spec: ProjectionSpec,
    *,
    generations: Generations,
    make_view: Callable[[str], TrackingRecorder],
    env: dict[str, str],
    progress: Progress | None = None,
    grace_seconds: float = 3.0,
    poll: float = 0.1,
) -> RebuildResult:
    started = time.monotonic()
    old = generations.get(spec.name).live
    generation, resumed = generations.begin_rebuild(spec.name)
    view = make_view(generation_name(spec.name, generation))
    runner = start_runner(spec, view, env)
    app_name = spec.application_class.name
    try:
        first = view.max_tracking_id(app_name) or 0
        _catch_up(runner, view, app_name, progress, poll)
        old_view = make_view(generation_name(spec.name, old))
        # Switch only when not behind the live generation, else catch up again and retry.
        while not view.switch_from(old_view, generations, spec.name, generation):  # type: ignore[attr-defined]
            if runner.is_interrupted.is_set():
                raise RuntimeError(f"rebuilding {spec.name} failed: {stop_runner(runner)}")
            _catch_up(runner, view, app_name, progress, poll)
        events = (view.max_tracking_id(app_name) or 0) - first
        seconds = time.monotonic() - started
    finally:
        stop_runner(runner)
    if old != generation:
        time.sleep(grace_seconds)  # the live projector moves to the new generation meanwhile
        old_view.drop()  # type: ignore[attr-defined]
    return RebuildResult(spec.name, old, generation, resumed, events, seconds)


def _catch_up(
    runner: object, view: TrackingRecorder, app_name: str, progress: Progress | None, poll: float
) -> None:
    """Until the projection has processed every event it sees up to the head *as of now*.

    A fixed target, so a steady stream of new writes cannot keep the rebuild chasing; what
    arrives later is the live projector's work once readers switched.
    """
    app = runner.app  # type: ignore[attr-defined]
    topics = runner._projection.topics  # type: ignore[attr-defined]
    target = int(app.recorder.max_notification_id() or 0)
    while not runner.is_interrupted.is_set():  # type: ignore[attr-defined]
        position = view.max_tracking_id(app_name) or 0
        if progress is not None:
            progress(position, max(target, position))
        pending = app.recorder.select_notifications(
            start=position + 1, limit=1, stop=target, topics=topics, inclusive_of_start=True
        )
        if not pending:
            return
        poke(runner)  # type: ignore[arg-type]
        time.sleep(poll)
