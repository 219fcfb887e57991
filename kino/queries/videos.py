"""Reads videos from the catalog read model (the public ``videos_videos`` SQL view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from psycopg.rows import dict_row
from psycopg_pool import AsyncConnectionPool

_COLUMNS = (
    "id, owner_id, title, description, visibility, status, created_at, duration_seconds, "
    "width, height, renditions, playback_key, thumbnail_key, poster_key, failure_reason"
)


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


class VideoQueries:
    def __init__(self, pool: AsyncConnectionPool[Any]) -> None:
        self._pool = pool

    async def by_id(self, video_id: UUID) -> VideoRecord | None:
        async with self._pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
            await curs.execute(f"SELECT {_COLUMNS} FROM videos_videos WHERE id = %s", (video_id,))
            row = await curs.fetchone()
        return VideoRecord.from_row(row) if row else None

    async def position(self, application_name: str) -> int:
        async with self._pool.connection() as conn, conn.cursor() as curs:
            await curs.execute(
                "SELECT notification_id FROM videos_tracking WHERE application_name = %s",
                (application_name,),
            )
            row = await curs.fetchone()
        return int(row[0]) if row else 0
