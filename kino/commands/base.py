"""The base of every Kino application: counts and traces the events it writes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Recording

from kino.domain.errors import KinoError
from kino.infrastructure import metrics
from kino.infrastructure.tracing import remember, span

A = TypeVar("A")
P = ParamSpec("P")
R = TypeVar("R")
ATTEMPTS = 3


async def run_sync(func: Callable[P, R], /, *args: P.args, **kwargs: P.kwargs) -> R:
    """Call the synchronous write side from async code without blocking the event loop
    (eventsourcing is synchronous); the result keeps its type."""
    return await asyncio.to_thread(func, *args, **kwargs)


def last_position(recordings: list[Recording[Any]]) -> int:
    """The notification id of the last event a save wrote (for read-your-writes)."""
    return max(recording.notification.id for recording in recordings)


class KinoApplication(Application[Any]):
    def get_as(self, aggregate_id: UUID, kind: type[A], missing: KinoError) -> A:
        """The aggregate with this id, when it is a ``kind``; else ``missing`` is raised."""
        try:
            aggregate: object = self.repository.get(aggregate_id)
        except AggregateNotFoundError:
            raise missing from None
        if not isinstance(aggregate, kind):
            raise missing
        return aggregate

    def change(self, load: Callable[[], A], change: Callable[[A], object]) -> int | None:
        """Load, change, save; after a concurrent write to the same aggregate (optimistic
        concurrency), reload and judge again. The last position written, or None when the
        change recorded nothing."""
        for _attempt in range(ATTEMPTS):
            aggregate = load()
            change(aggregate)
            try:
                recordings = self.save(aggregate)
            except IntegrityError:
                continue
            return last_position(recordings) if recordings else None
        raise IntegrityError("the aggregate kept changing concurrently; try again")

    def save(self, *objs: Any, **kwargs: Any) -> list[Recording[Any]]:
        with span("eventstore.save", **{"kino.application": self.name}) as current:
            recordings = super().save(*objs, **kwargs)
            if recordings:
                current.set_attribute(
                    "kino.notification_id", max(r.notification.id for r in recordings)
                )
                current.set_attribute("kino.events", len(recordings))
                remember(self.name, [r.notification.id for r in recordings])
            return recordings

    def _notify(self, recordings: list[Recording[Any]]) -> None:
        # eventsourcing calls this after every successful save.
        super()._notify(recordings)
        for recording in recordings:
            event_type = type(recording.domain_event).__qualname__
            metrics.EVENTS_WRITTEN.labels(self.name, event_type).inc()
