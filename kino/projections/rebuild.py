"""Blue/green rebuild of one read model, resumable, while the live one keeps serving.

1. Claim generation N+1 (or resume the one an interrupted rebuild left).
2. Project every event into N+1's own tables or keys, beside the live generation N, a page
   of notifications per transaction (rows and the page's last position commit together, so
   an interrupted rebuild resumes where it stopped).
3. Once N+1 is not behind N, switch readers atomically (see ``switch_from`` of the views).
4. The live projector notices the switch and keeps N+1 up to date; after a grace period
   generation N is dropped.

Writes during the rebuild are not lost: N+1 reads them from the event store like any other.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.projections.generations import Generations, generation_name
from kino.projections.specs import ProjectionSpec
from kino.projections.view import ReadModelView

Progress = Callable[[int, int], None]  # (position, head)
PAGE = 500


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
    make_view: Callable[[str], ReadModelView],
    env: dict[str, str],
    progress: Progress | None = None,
    grace_seconds: float = 3.0,
) -> RebuildResult:
    started = time.monotonic()
    old = generations.get(spec.name).live
    generation, resumed = generations.begin_rebuild(spec.name)
    view = make_view(generation_name(spec.name, generation))
    view.publish_if_first()
    old_view = make_view(generation_name(spec.name, old))
    app = spec.application_class(env=env)
    try:
        projection = spec.projection_class(view=view)
        first = view.max_tracking_id(app.name) or 0
        catch_up(app, projection, view, progress)
        # Switch only when not behind the live generation; else catch up again and retry.
        while not view.switch_from(old_view, generations, spec.name, generation):
            catch_up(app, projection, view, progress)
        events = (view.max_tracking_id(app.name) or 0) - first
        seconds = time.monotonic() - started
    finally:
        app.close()
    if old != generation:
        time.sleep(grace_seconds)  # the live projector moves to the new generation meanwhile
        old_view.drop()
    return RebuildResult(spec.name, old, generation, resumed, events, seconds)


def catch_up(
    app: Application[Any],
    projection: Projection[Any],
    view: ReadModelView,
    progress: Progress | None,
) -> None:
    """Process every event the projection sees up to the head *as of now*, a page per batch.

    A fixed target, so a steady stream of new writes cannot keep the rebuild chasing; what
    arrives later is the live projector's work once readers switched.
    """
    target = int(app.recorder.max_notification_id() or 0)
    position = view.max_tracking_id(app.name) or 0
    while position < target:
        page = app.recorder.select_notifications(
            start=position + 1, limit=PAGE, stop=target, topics=projection.topics
        )
        if not page:
            break
        with view.batch():
            for notification in page:
                event = app.mapper.to_domain_event(notification)
                projection.process_event(event, Tracking(app.name, notification.id))
        position = page[-1].id
        if progress is not None:
            progress(position, target)
    if progress is not None:
        progress(max(position, target), target)
