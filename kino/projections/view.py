"""What every read model's view does, whichever store holds it.

``PostgresView`` (``kino.projections.postgres_view``) and ``RedisView``
(``kino.projections.redis_view``) implement ``ReadModelView``; the runners, rebuilds and
operator commands use nothing else of a view.

A view records its tracking position atomically with what it writes (eventsourcing's
``TrackingRecorder`` half: ``insert_tracking``, ``max_tracking_id``), applies many events at
once in ``batch()`` (rebuilds), and lives in generations (ADR 1): ``publish_if_first`` and
``publish`` point readers at it, ``switch_from`` makes it live unless it is behind the live
one, ``drop`` removes it. ``needs_replay`` says its store lost data under it.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol, Self

from eventsourcing.persistence import Tracking, TrackingRecorder

from kino.projections.generations import Generations


class ReadModelView(Protocol):
    def max_tracking_id(self, application_name: str) -> int | None:
        """The last position this view recorded for the application (None: none yet)."""

    def insert_tracking(self, tracking: Tracking) -> None:
        """Record a position without writing anything else (an event the view ignores)."""

    def batch(self) -> AbstractContextManager[None]:
        """Many events at once; each stays atomic with its position."""

    def publish_if_first(self) -> None:
        """Point readers at this generation when no generation is published yet."""

    def publish(self) -> None:
        """Point readers at this generation."""

    def switch_from(self, old: Self, generations: Generations, name: str, generation: int) -> bool:
        """Make this generation live unless it is behind ``old``, atomically."""

    def drop(self) -> None:
        """Remove everything this generation holds, its positions included."""

    def needs_replay(self, application_name: str) -> bool:
        """True when the store lost data this view wrote (Redis restarted empty)."""

    def location(self) -> str:
        """Where this view keeps its data, for an operator: its tables, or its keys."""


def tracking_recorder(view: ReadModelView) -> TrackingRecorder:
    """The view as the ``TrackingRecorder`` eventsourcing's runner follows positions with."""
    if not isinstance(view, TrackingRecorder):
        raise TypeError(f"{type(view).__name__} does not record tracking for eventsourcing")
    return view
