"""The base of every Kino application: counts and traces the events it writes."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Recording

from kino.infrastructure import metrics
from kino.infrastructure.tracing import remember, span


class KinoApplication(Application[Any]):
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
