"""Reads videos from the catalog read model (the public ``videos_videos`` SQL view).

Counts come along in the same query: comments from the comments read model
(``comments_counts``), views from ``video_view_totals`` (folded from Redis).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

_COLUMNS = (
    "v.id, v.owner_id, v.title, v.description, v.visibility, v.status, v.created_at, "
    "v.duration_seconds, v.width, v.height, v.renditions, v.playback_key, v.thumbnail_key, "
    "v.poster_key, v.failure_reason, coalesce(t.views, 0) AS view_count, "
    "coalesce(c.comments, 0) AS comment_count"
)
_FROM = (
    "FROM videos_videos v LEFT JOIN video_view_totals t ON t.video_id = v.id "
    "LEFT JOIN comments_counts c ON c.video_id = v.id"
)
_LISTED = "v.visibility = 'PUBLIC' AND v.status = 'READY'"


@dataclass(frozen=True)
class RenditionRecord:
    name: str
    width: int
    height: int
    bandwidth: int
    codecs: str
    playlist_key: str


@dataclass(frozen=True)
class VideoRecord:
    id: UUID
    owner_id: UUID
    title: str
    description: str
    visibility: str
    status: str
    created_at: datetime
    duration_seconds: float | None
    width: int | None
    height: int | None
    renditions: tuple[RenditionRecord, ...]
    playback_key: str | None
    thumbnail_key: str | None
    poster_key: str | None
    failure_reason: str | None
    view_count: int = 0
    comment_count: int = 0

    def visible_to(self, user_id: UUID | None) -> bool:
        """PUBLIC and UNLISTED videos are visible by id to anyone, PRIVATE to the owner."""
        return self.visibility != "PRIVATE" or user_id == self.owner_id

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> VideoRecord:
        renditions = tuple(
            RenditionRecord(
                name=r["name"],
                width=int(r["width"]),
                height=int(r["height"]),
                bandwidth=int(r["bandwidth"]),
                codecs=r["codecs"],
                playlist_key=r["playlist_key"],
            )
            for r in row.pop("renditions") or []
        )
        return cls(renditions=renditions, **row)


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: tuple[datetime, UUID] | None = None
    search: str | None = None
    owner_handle: str | None = None
    mine: UUID | None = None  # every video of this owner, any visibility and status


class VideoQueries:
    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def by_id(self, video_id: UUID) -> VideoRecord | None:
        rows = await self._fetch(f"SELECT {_COLUMNS} {_FROM} WHERE v.id = %(id)s", {"id": video_id})
        return rows[0] if rows else None

    async def page(self, request: PageRequest) -> list[VideoRecord]:
        """Newest first, keyset on (created_at, id); ``first + 1`` rows tell if more follow."""
        where = ["v.owner_id = %(me)s" if request.mine else _LISTED]
        params: dict[str, Any] = {"me": request.mine, "limit": request.first + 1}
        if request.owner_handle is not None:
            where.append("v.owner_id = (SELECT id FROM users_users WHERE handle = %(handle)s)")
            params["handle"] = request.owner_handle.strip().lower()
        if request.search:
            where.append("v.search @@ websearch_to_tsquery('simple', %(query)s)")
            params["query"] = request.search
        if request.after is not None:
            where.append("(v.created_at, v.id) < (%(at)s, %(id)s)")
            params["at"], params["id"] = request.after
        return await self._fetch(
            f"SELECT {_COLUMNS} {_FROM} WHERE {' AND '.join(where)} "
            "ORDER BY v.created_at DESC, v.id DESC LIMIT %(limit)s",
            params,
        )

    async def _fetch(self, query: str, params: dict[str, Any]) -> list[VideoRecord]:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(query, params)
            return [VideoRecord.from_row(row) for row in await curs.fetchall()]

    async def position(self, application_name: str) -> int:
        async with self._pool.connection() as conn, conn.cursor() as curs:
            await curs.execute(
                "SELECT notification_id FROM videos_tracking WHERE application_name = %s",
                (application_name,),
            )
            row = await curs.fetchone()
        return int(row[0]) if row else 0
