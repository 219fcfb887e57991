"""The users read model (PostgreSQL): a user by id, handle or email."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.domain.accounts import User
from kino.projections.postgres_view import PostgresView


class UserView(PostgresView):
    tables = {
        "users": (
            "id uuid PRIMARY KEY, handle text NOT NULL UNIQUE, email text UNIQUE, "
            "display_name text NOT NULL, has_password boolean NOT NULL, "
            "created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL"
        )
    }

    def insert_user(self, event: User.Registered, tracking: Tracking) -> None:
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    "INSERT INTO {users} (id, handle, email, display_name, has_password, "
                    "created_at, updated_at) VALUES (%s, %s, NULLIF(%s, ''), %s, %s, %s, %s)",
                    users="users",
                ),
                (
                    event.originator_id,
                    event.handle,
                    event.email,
                    event.display_name,
                    event.password_hash is not None,
                    event.timestamp,
                    event.timestamp,
                ),
            )

    def rename_user(self, event: User.DisplayNameChanged, tracking: Tracking) -> None:
        with self.tracked(tracking) as curs:
            curs.execute(
                self.sql(
                    "UPDATE {users} SET display_name = %s, updated_at = %s WHERE id = %s",
                    users="users",
                ),
                (event.display_name, event.timestamp, event.originator_id),
            )


class UserProjection(Projection[UserView]):
    name = "users"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: User.Registered, tracking: Tracking) -> None:
        self.view.insert_user(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: User.DisplayNameChanged, tracking: Tracking) -> None:
        self.view.rename_user(domain_event, tracking)
