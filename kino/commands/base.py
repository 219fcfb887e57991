"""The base of every Kino application: counts the events it writes, by type."""

from __future__ import annotations

from typing import Any

from eventsourcing.application import Application
from eventsourcing.persistence import Recording

from kino.infrastructure import metrics


class KinoApplication(Application[Any]):
    def _notify(self, recordings: list[Recording[Any]]) -> None:
        # eventsourcing calls this after every successful save.
        super()._notify(recordings)
        for recording in recordings:
            event_type = type(recording.domain_event).__qualname__
            metrics.EVENTS_WRITTEN.labels(self.name, event_type).inc()
