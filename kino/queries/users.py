"""Reads users from the users read model (the public ``users_users`` SQL view)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

_COLUMNS = "id, handle, email, display_name, created_at"


@dataclass(frozen=True)
class UserRecord:
    id: UUID
    handle: str
    email: str | None  # None: an account without an email (an OAuth sign-in without one)
    display_name: str
    created_at: datetime


class UserQueries:
    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def by_id(self, user_id: UUID) -> UserRecord | None:
        rows = await self.by_ids([user_id])
        return rows.get(user_id)

    async def by_ids(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        """One query for any number of ids (the dataloaders' batch)."""
        if not user_ids:
            return {}
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM users_users WHERE id = ANY(%s)", (list(user_ids),)
        )
        return {row.id: row for row in rows}

    async def by_handle(self, handle: str) -> UserRecord | None:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM users_users WHERE handle = %s", (handle.strip().lower(),)
        )
        return rows[0] if rows else None

    async def by_email(self, email: str) -> UserRecord | None:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM users_users WHERE email = %s", (email.strip().lower(),)
        )
        return rows[0] if rows else None

    async def position(self, application_name: str) -> int:
        async with self._pool.connection() as conn, conn.cursor() as curs:
            await curs.execute(
                "SELECT notification_id FROM users_tracking WHERE application_name = %s",
                (application_name,),
            )
            row = await curs.fetchone()
        return int(row[0]) if row else 0

    async def _fetch(self, query: str, params: tuple[Any, ...]) -> list[UserRecord]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(query, params)
            return [UserRecord(**row) for row in await curs.fetchall()]
