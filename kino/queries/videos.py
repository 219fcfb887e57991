"""Reads videos from the catalog read model (PostgreSQL).

Counts come along in the same query: comments from the comments read model, views from
the folded view totals (not a generation: see ADR 6). ``VideoReader`` is what the api and
the use cases need; ``VideoQueries`` reads PostgreSQL, ``kino.queries.memory`` holds an
in-memory reader for unit tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from psycopg_pool import AsyncConnectionPool

from kino.domain.video_values import VideoStatus, Visibility
from kino.queries.positions import Positioned
from kino.queries.sql import PostgresReader, with_tables

_COLUMNS = (
    "v.id, v.owner_id, v.title, v.description, v.visibility, v.status, v.created_at, "
    "v.duration_seconds, v.width, v.height, v.renditions, v.playback_key, v.thumbnail_key, "
    "v.poster_key, v.storyboard_key, v.failure_reason, coalesce(t.views, 0) AS view_count, "
    "coalesce(c.comments, 0) AS comment_count"
)
_FROM = (
    "FROM {videos} v LEFT JOIN {view_totals} t ON t.video_id = v.id "
    "LEFT JOIN {comment_counts} c ON c.video_id = v.id"
)
_LISTED = f"v.visibility = '{Visibility.PUBLIC}' AND v.status = '{VideoStatus.READY}'"


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
    visibility: Visibility
    status: VideoStatus
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
    storyboard_key: str | None = None  # the WebVTT index of the hover previews

    def visible_to(self, user_id: UUID | None) -> bool:
        """PUBLIC and UNLISTED videos are visible by id to anyone, PRIVATE to the owner."""
        return self.visibility is not Visibility.PRIVATE or user_id == self.owner_id

    @property
    def listed(self) -> bool:
        """Shown in the catalog and search: PUBLIC and READY."""
        return self.visibility is Visibility.PUBLIC and self.status is VideoStatus.READY

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
        visibility, status = Visibility(row.pop("visibility")), VideoStatus(row.pop("status"))
        return cls(renditions=renditions, visibility=visibility, status=status, **row)


@dataclass(frozen=True)
class PageRequest:
    first: int
    after: tuple[datetime, UUID] | None = None
    search: str | None = None
    owner_handle: str | None = None
    mine: UUID | None = None  # every video of this owner, any visibility and status


class VideoReader(Positioned, Protocol):
    async def by_id(self, video_id: UUID) -> VideoRecord | None: ...

    async def page(self, request: PageRequest) -> list[VideoRecord]:
        """Newest first, keyset on (created_at, id); ``first + 1`` rows tell if more follow.

        Listed videos only (PUBLIC and READY), unless ``mine``: then every video of that
        owner. ``owner_handle`` keeps one channel's, ``search`` those matching the words.
        """


@dataclass(frozen=True)
class CatalogTables:
    """The SQL views and tables the catalog reads (names given by the composition root)."""

    videos: str  # the catalog
    tracking: str  # the catalog's positions
    comment_counts: str  # comments per video (the comments read model)
    view_totals: str  # views per video, folded from Redis
    users: str  # for a channel's videos (the users read model)


class VideoQueries(PostgresReader[VideoRecord], VideoReader):
    def __init__(self, pool: AsyncConnectionPool[Any], tables: CatalogTables) -> None:
        super().__init__(pool, tables.tracking, VideoRecord.from_row)
        self._select = with_tables(
            f"SELECT {_COLUMNS} {_FROM}",
            videos=tables.videos,
            view_totals=tables.view_totals,
            comment_counts=tables.comment_counts,
        )
        self._of_owner = with_tables(
            "v.owner_id = (SELECT id FROM {users} WHERE handle = %(handle)s)", users=tables.users
        )

    async def by_id(self, video_id: UUID) -> VideoRecord | None:
        rows = await self._fetch(f"{self._select} WHERE v.id = %(id)s", {"id": video_id})
        return rows[0] if rows else None

    async def page(self, request: PageRequest) -> list[VideoRecord]:
        where = ["v.owner_id = %(me)s" if request.mine else _LISTED]
        params: dict[str, Any] = {"me": request.mine, "limit": request.first + 1}
        if request.owner_handle is not None:
            where.append(self._of_owner)
            params["handle"] = request.owner_handle.strip().lower()
        if request.search:
            where.append("v.search @@ websearch_to_tsquery('simple', %(query)s)")
            params["query"] = request.search
        if request.after is not None:
            where.append("(v.created_at, v.id) < (%(at)s, %(id)s)")
            params["at"], params["id"] = request.after
        return await self._fetch(
            f"{self._select} WHERE {' AND '.join(where)} "
            "ORDER BY v.created_at DESC, v.id DESC LIMIT %(limit)s",
            params,
        )
