"""Reads comments from the comments read model (the public ``comments_comments`` SQL view).

Top-level comments are newest first; replies oldest first (a conversation reads down).
Both page with keyset cursors on (created_at, id).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

_COLUMNS = "id, video_id, parent_id, author_id, body, created_at, edited_at, deleted, reply_count"

Keyset = tuple[datetime, UUID]


@dataclass(frozen=True)
class CommentRecord:
    id: UUID
    video_id: UUID
    parent_id: UUID | None
    author_id: UUID
    body: str
    created_at: datetime
    edited_at: datetime | None
    deleted: bool
    reply_count: int


class CommentQueries:
    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def by_id(self, comment_id: UUID) -> CommentRecord | None:
        rows = await self._fetch(
            f"SELECT {_COLUMNS} FROM comments_comments WHERE id = %(id)s", {"id": comment_id}
        )
        return rows[0] if rows else None

    async def top_level(
        self, video_id: UUID, first: int, after: Keyset | None
    ) -> list[CommentRecord]:
        """``first + 1`` newest top-level comments of a video older than ``after``."""
        params: dict[str, Any] = {"video": video_id, "limit": first + 1}
        keyset = ""
        if after is not None:
            keyset = "AND (created_at, id) < (%(at)s, %(id)s) "
            params["at"], params["id"] = after
        return await self._fetch(
            f"SELECT {_COLUMNS} FROM comments_comments "
            f"WHERE video_id = %(video)s AND parent_id IS NULL {keyset}"
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
            params,
        )

    async def replies(
        self, parent_ids: Sequence[UUID], first: int, after: Keyset | None
    ) -> dict[UUID, list[CommentRecord]]:
        """For each parent, its ``first + 1`` oldest replies after ``after``: one query."""
        params: dict[str, Any] = {"parents": list(parent_ids), "limit": first + 1}
        keyset = ""
        if after is not None:
            keyset = "AND (r.created_at, r.id) > (%(at)s, %(id)s) "
            params["at"], params["id"] = after
        columns = ", ".join(f"r.{name.strip()}" for name in _COLUMNS.split(","))
        rows = await self._fetch(
            f"SELECT {columns} FROM unnest(%(parents)s::uuid[]) AS p(id) "
            "CROSS JOIN LATERAL (SELECT * FROM comments_comments r "
            f"WHERE r.parent_id = p.id {keyset}"
            "ORDER BY r.created_at, r.id LIMIT %(limit)s) AS r",
            params,
        )
        found: dict[UUID, list[CommentRecord]] = {parent: [] for parent in parent_ids}
        for row in rows:
            if row.parent_id is not None:
                found[row.parent_id].append(row)
        return found

    async def position(self, application_name: str) -> int:
        async with self._pool.connection() as conn, conn.cursor() as curs:
            await curs.execute(
                "SELECT notification_id FROM comments_tracking WHERE application_name = %s",
                (application_name,),
            )
            row = await curs.fetchone()
        return int(row[0]) if row else 0

    async def _fetch(self, query: str, params: dict[str, Any]) -> list[CommentRecord]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(query, params)
            return [CommentRecord(**row) for row in await curs.fetchall()]
