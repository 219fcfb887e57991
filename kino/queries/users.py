"""Reads users from the users read model (PostgreSQL): by id, handle or email.

``UserReader`` is what the api needs; ``UserQueries`` reads PostgreSQL, ``kino.queries.memory``
holds an in-memory reader for unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from psycopg_pool import AsyncConnectionPool

from kino.queries.positions import Positioned
from kino.queries.sql import PostgresReader, ReadModelTables, with_tables

_COLUMNS = "id, handle, email, display_name, created_at"


@dataclass(frozen=True)
class UserRecord:
    id: UUID
    handle: str
    email: str | None  # None: an account without an email (an OAuth sign-in without one)
    display_name: str
    created_at: datetime


class UserReader(Positioned, Protocol):
    async def by_id(self, user_id: UUID) -> UserRecord | None: ...

    async def by_ids(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        """Every user found among ``user_ids`` (the dataloaders' batch)."""

    async def by_handle(self, handle: str) -> UserRecord | None:
        """Handles are found as typed, ignoring case and surrounding spaces."""

    async def by_email(self, email: str) -> UserRecord | None:
        """Emails are found ignoring case and surrounding spaces."""


class UserQueries(PostgresReader[UserRecord], UserReader):
    def __init__(self, pool: AsyncConnectionPool[Any], tables: ReadModelTables) -> None:
        super().__init__(pool, tables.tracking, lambda row: UserRecord(**row))
        self._select = with_tables(f"SELECT {_COLUMNS} FROM {{users}}", users=tables.table)

    async def by_id(self, user_id: UUID) -> UserRecord | None:
        rows = await self.by_ids([user_id])
        return rows.get(user_id)

    async def by_ids(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        """One query for any number of ids."""
        if not user_ids:
            return {}
        rows = await self._fetch(f"{self._select} WHERE id = ANY(%s)", (list(user_ids),))
        return {row.id: row for row in rows}

    async def by_handle(self, handle: str) -> UserRecord | None:
        rows = await self._fetch(f"{self._select} WHERE handle = %s", (handle.strip().lower(),))
        return rows[0] if rows else None

    async def by_email(self, email: str) -> UserRecord | None:
        rows = await self._fetch(f"{self._select} WHERE email = %s", (email.strip().lower(),))
        return rows[0] if rows else None
