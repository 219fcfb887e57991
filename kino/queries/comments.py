"""Reads comments from the comments read model (PostgreSQL).

Top-level comments are newest first; replies oldest first (a conversation reads down).
Both page with keyset cursors on (created_at, id). ``CommentReader`` is what the api and the
use cases need; ``CommentQueries`` reads PostgreSQL, ``kino.queries.memory`` holds an
in-memory reader for unit tests.
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


class CommentReader(Positioned, Protocol):
    async def by_id(self, comment_id: UUID) -> CommentRecord | None: ...

    async def top_level(
        self, video_id: UUID, first: int, after: Keyset | None
    ) -> list[CommentRecord]:
        """``first + 1`` newest top-level comments of a video older than ``after``."""

    async def replies(
        self, parent_ids: Sequence[UUID], first: int, after: Keyset | None
    ) -> dict[UUID, list[CommentRecord]]:
        """For each parent, its ``first + 1`` oldest replies after ``after``."""


class CommentQueries(PostgresReader[CommentRecord], CommentReader):
    def __init__(self, pool: AsyncConnectionPool[Any], tables: ReadModelTables) -> None:
        super().__init__(pool, tables.tracking, lambda row: CommentRecord(**row))
        self._select = with_tables(f"SELECT {_COLUMNS} FROM {{comments}}", comments=tables.table)
        reply_columns = ", ".join(f"r.{name.strip()}" for name in _COLUMNS.split(","))
        self._replies = with_tables(
            f"SELECT {reply_columns} FROM unnest(%(parents)s::uuid[]) AS p(id) "
            "CROSS JOIN LATERAL (SELECT * FROM {comments} r WHERE r.parent_id = p.id ",
            comments=tables.table,
        )

    async def by_id(self, comment_id: UUID) -> CommentRecord | None:
        rows = await self._fetch(f"{self._select} WHERE id = %(id)s", {"id": comment_id})
        return rows[0] if rows else None

    async def top_level(
        self, video_id: UUID, first: int, after: Keyset | None
    ) -> list[CommentRecord]:
        params: dict[str, Any] = {"video": video_id, "limit": first + 1}
        keyset = ""
        if after is not None:
            keyset = "AND (created_at, id) < (%(at)s, %(id)s) "
            params["at"], params["id"] = after
        return await self._fetch(
            f"{self._select} WHERE video_id = %(video)s AND parent_id IS NULL {keyset}"
            "ORDER BY created_at DESC, id DESC LIMIT %(limit)s",
            params,
        )

    async def replies(
        self, parent_ids: Sequence[UUID], first: int, after: Keyset | None
    ) -> dict[UUID, list[CommentRecord]]:
        """One query for every parent."""
        params: dict[str, Any] = {"parents": list(parent_ids), "limit": first + 1}
        keyset = ""
        if after is not None:
            keyset = "AND (r.created_at, r.id) > (%(at)s, %(id)s) "
            params["at"], params["id"] = after
        rows = await self._fetch(
            f"{self._replies}{keyset}ORDER BY r.created_at, r.id LIMIT %(limit)s) AS r", params
        )
        found: dict[UUID, list[CommentRecord]] = {parent: [] for parent in parent_ids}
        for row in rows:
            if row.parent_id is not None:
                found[row.parent_id].append(row)
        return found
