"""The base of every Kino application: counts and traces the events it writes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError, Recording

from kino.infrastructure import metrics
from kino.infrastructure.tracing import remember, span

A = TypeVar("A")
ATTEMPTS = 3


def last_position(recordings: list[Recording[Any]]) -> int:
    """The notification id of the last event a save wrote (for read-your-writes)."""
    return max(recording.notification.id for recording in recordings)


class KinoApplication(Application[Any]):
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
