"""The sessions read model (Redis): is a session active? Read on every authenticated request."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.domain.accounts import Session
from kino.projections.redis_view import RedisView


class SessionView(RedisView):
    def start(self, event: Session.Started, tracking: Tracking) -> None:
        key = self.key("session", event.originator_id)
        self.apply(
            tracking,
            [
                (
                    "HSET",
                    key,
                    "user_id",
                    str(event.user_id),
                    "method",
                    event.method,
                    "client",
                    event.client,
                    "active",
                    1,
                    "generation",
                    0,
                ),
                ("EXPIREAT", key, int(event.expires_at.timestamp())),
            ],
        )

    def refresh(self, event: Session.Refreshed, tracking: Tracking) -> None:
        key = self.key("session", event.originator_id)
        self.apply(tracking, [("HSET", key, "generation", event.generation)])

    def revoke(self, event: Session.Revoked, tracking: Tracking) -> None:
        key = self.key("session", event.originator_id)
        self.apply(tracking, [("HSET", key, "active", 0, "reason", event.reason)])


class SessionProjection(Projection[SessionView]):
    name = "sessions"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: Session.Started, tracking: Tracking) -> None:
        self.view.start(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Session.Refreshed, tracking: Tracking) -> None:
        self.view.refresh(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: Session.Revoked, tracking: Tracking) -> None:
        self.view.revoke(domain_event, tracking)
