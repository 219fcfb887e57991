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
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Tracking
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.projection import Projection
from eventsourcing.utils import get_topic
from psycopg.sql import SQL, Identifier

from kino.projections.generations import Generations, generation_name
from kino.projections.specs import ProjectionSpec
from kino.projections.view import ReadModelView

Progress = Callable[[int, int], None]  # (position, head)
PAGE = 2_000  # events a transaction; fewer, larger pages measured faster than 500


@dataclass(frozen=True)
class RebuildResult:
    name: str
    old_generation: int
    new_generation: int
    resumed: bool
    events: int  # positions the new generation moved over
    seconds: float
    handled: int = 0  # of those, events the projection has a handler for (read and applied)


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
        handled = catch_up(app, projection, view, progress)
        # Switch only when not behind the live generation; else catch up again and retry.
        while not view.switch_from(old_view, generations, spec.name, generation):
            handled += catch_up(app, projection, view, progress)
        events = (view.max_tracking_id(app.name) or 0) - first
        seconds = time.monotonic() - started
    finally:
        app.close()
    if old != generation:
        time.sleep(grace_seconds)  # the live projector moves to the new generation meanwhile
        old_view.drop()
    return RebuildResult(spec.name, old, generation, resumed, events, seconds, handled)


def catch_up(
    app: Application[Any],
    projection: Projection[Any],
    view: ReadModelView,
    progress: Progress | None,
) -> int:
    """Process every event the projection sees up to the head *as of now*, a page per batch;
    how many it processed.

    A fixed target, so a steady stream of new writes cannot keep the rebuild chasing; what
    arrives later is the live projector's work once readers switched.
    """
    target = int(app.recorder.max_notification_id() or 0)
    position = view.max_tracking_id(app.name) or 0
    topics = handled_topics(projection)
    if topics:
        refresh_planner_statistics(app)
    handled = 0
    while position < target:
        page = app.recorder.select_notifications(
            start=position + 1, limit=PAGE, stop=target, topics=topics
        )
        if not page:
            break
        with view.batch():
            for notification in page:
                event = app.mapper.to_domain_event(notification)
                projection.process_event(event, Tracking(app.name, notification.id))
        position = page[-1].id
        handled += len(page)
        if progress is not None:
            progress(position, target)
    if position < target:  # the events after the last one it handles: nothing to write
        view.insert_tracking(Tracking(app.name, target))
    if progress is not None:
        progress(target, target)
    return handled


def refresh_planner_statistics(app: Application[Any]) -> None:
    """ANALYZE the application's events table before pages filtered by topic are read.

    A page is "the next PAGE events with these topics": with statistics, PostgreSQL walks the
    notification id index and stops after PAGE matches. Without them (a table just loaded,
    before autovacuum came by) it guessed a handful of matches, fetched the whole remaining
    range and sorted it, for every page: quadratic (48 ms a page at 100,000 events, 0.6 ms
    after ANALYZE). ANALYZE samples a fixed number of rows, so it costs little on any size.
    """
    recorder = app.recorder
    if not isinstance(recorder, PostgresApplicationRecorder):
        return
    table = SQL("ANALYZE {0}.{1}").format(
        Identifier(recorder.datastore.schema), Identifier(recorder.events_table_name)
    )
    with recorder.datastore.transaction(commit=True) as curs:
        curs.execute(table)


def handled_topics(projection: Projection[Any]) -> Sequence[str]:
    """The topics of the events ``projection`` writes for (empty: every event).

    Every projection's default handler only records the position, so a rebuild reads and
    decodes just the events with a handler of their own, and records the position it reached
    once at the end: the same rows, in a fraction of the reads for a log of many kinds.
    """
    if projection.topics:
        return projection.topics
    projection.process_event  # noqa: B018 - resolves eventsourcing's deferred registrations
    for klass in type(projection).__mro__:
        method = vars(klass).get("process_event")
        if method is not None:
            registry = getattr(getattr(method, "dispatcher", None), "registry", {})
            kinds = _with_subclasses(kind for kind in registry if kind is not object)
            return tuple(sorted({get_topic(kind) for kind in kinds}))
    return ()


def _with_subclasses(kinds: Iterable[type[Any]]) -> Iterator[type[Any]]:
    """Singledispatch also hands a handled class's subclasses to its handler."""
    for kind in kinds:
        yield kind
        yield from _with_subclasses(kind.__subclasses__())
