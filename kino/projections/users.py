"""The users read model (PostgreSQL): a user by id, handle or email."""

from __future__ import annotations

from typing import Any

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.domain.accounts import User
from kino.projections.postgres_view import PostgresView
from kino.projections.row_batch import RowsInsert

_INSERT_USER = RowsInsert(
    "users",
    "id uuid, handle text, email text, display_name text, has_password boolean, "
    "created_at timestamptz, updated_at timestamptz",
    select="id, handle, NULLIF(email, ''), display_name, has_password, created_at, updated_at",
)


class UserView(PostgresView):
    blind_writes = True  # no handler reads a statement's result: pipelined rebuilds
    tables = {
        "users": (
            "id uuid PRIMARY KEY, handle text NOT NULL UNIQUE, email text UNIQUE, "
            "display_name text NOT NULL, has_password boolean NOT NULL, "
            "created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL"
        )
    }

    def insert_user(self, event: User.Registered, tracking: Tracking) -> None:
        row = (
            event.originator_id,
            event.handle,
            event.email,
            event.display_name,
            event.password_hash is not None,
            event.timestamp,
            event.timestamp,
        )
        self.insert_rows(tracking, (_INSERT_USER, row))

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
