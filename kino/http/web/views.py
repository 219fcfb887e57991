"""What the pages show, read from the read models: plain values for the templates.

Pages render for anyone (the server does not know the browser's signed-in user: its access
token lives in the page's memory), so they show public data only: PUBLIC and UNLISTED videos,
READY or with a first rendition. A PRIVATE video renders as "not found", and the page's
script asks for the page again with the owner's token (``viewer``): then the video's media
URLs carry a media token of the owner's session, as the api's do.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

from kino.bootstrap.container import Container
from kino.commands.authentication import Viewer
from kino.queries.comments import CommentRecord
from kino.queries.cursors import encode_cursor
from kino.queries.live import LiveStreamRecord
from kino.queries.users import UserRecord
from kino.queries.videos import PageRequest, VideoRecord

CATALOG_PAGE = 24
COMMENT_PAGE = 20


@dataclass(frozen=True)
class Person:
    id: str
    handle: str
    display_name: str

    @classmethod
    def of(cls, record: UserRecord | None) -> Person:
        if record is None:
            return cls(id="", handle="", display_name="Someone")
        return cls(id=str(record.id), handle=record.handle, display_name=record.display_name)


@dataclass(frozen=True)
class VideoCard:
    id: str
    title: str
    description: str
    owner: Person
    created_at: datetime
    duration_seconds: float | None
    thumbnail_url: str | None
    view_count: int


@dataclass(frozen=True)
class Rendition:
    name: str
    height: int


@dataclass(frozen=True)
class WatchVideo:
    card: VideoCard
    visibility: str
    status: str
    playback_url: str | None
    poster_url: str | None
    storyboard_url: str | None  # the WebVTT index of the seek bar's previews
    renditions: tuple[Rendition, ...]
    comment_count: int
    width: int | None
    height: int | None


@dataclass(frozen=True)
class CommentView:
    id: str
    author: Person
    body: str
    created_at: datetime
    edited: bool
    deleted: bool
    reply_count: int


@dataclass(frozen=True)
class CommentPage:
    comments: tuple[CommentView, ...]
    end_cursor: str | None
    has_more: bool


@dataclass(frozen=True)
class StreamCard:
    id: str
    title: str
    owner: Person
    status: str
    started_at: datetime | None
    description: str = ""
    recording_id: str | None = None
    viewers: int = 0


@dataclass(frozen=True)
class ChatLine:
    id: str
    author: Person
    body: str
    created_at: datetime


class PageData:
    """Reads for the pages, batched per page (one users query per list)."""

    def __init__(self, container: Container) -> None:
        self._container = container

    async def catalog(self, request: PageRequest) -> tuple[list[VideoCard], bool]:
        records = await self._container.videos.catalog.page(request)
        shown = records[: request.first]
        return await self._cards(shown), len(records) > request.first

    async def latest(self) -> list[VideoCard]:
        cards, _ = await self.catalog(PageRequest(first=CATALOG_PAGE))
        return cards

    async def live_now(self) -> list[StreamCard]:
        records, _ = await self._container.live.streams.page(12, 0, live_only=True)
        people = await self._people(record.owner_id for record in records)
        viewers = self._container.realtime.viewers
        return [
            replace(_stream_card(r, people[r.owner_id]), viewers=await viewers.count(r.id))
            for r in records
        ]

    async def stream(self, stream_id: UUID) -> StreamCard | None:
        record = await self._container.live.streams.stream(stream_id)
        if record is None:
            return None
        people = await self._people([record.owner_id])
        return _stream_card(record, people[record.owner_id])

    async def chat_history(self, stream_id: UUID, last: int = 50) -> list[ChatLine]:
        records = await self._container.chat.rooms.recent(stream_id, last)
        people = await self._people(record.author_id for record in records)
        return [ChatLine(str(r.id), people[r.author_id], r.body, r.created_at) for r in records]

    async def user(self, handle: str) -> UserRecord | None:
        return await self._container.accounts.users.by_handle(handle)

    async def watchable_by(self, raw_id: str, viewer: Viewer | None = None) -> WatchVideo | None:
        """``watchable`` for an id from a URL (anything that is not a UUID is unknown)."""
        try:
            return await self.watchable(UUID(raw_id), viewer)
        except ValueError:
            return None

    async def watchable(self, video_id: UUID, viewer: Viewer | None = None) -> WatchVideo | None:
        """The video as ``viewer`` (default: anyone) may see it, or None (unknown, deleted, or
        PRIVATE and not theirs)."""
        record = await self._container.videos.catalog.by_id(video_id)
        if record is None or not record.visible_to(viewer.user_id if viewer else None):
            return None
        (card,) = await self._cards([record])
        media = self._container.videos.media
        token = (
            media.tokens.issue(
                record.id, viewer.user_id, viewer.session_id, record.duration_seconds or 0
            )
            if viewer and record.visibility == "PRIVATE"
            else None
        )

        def url(key: str | None) -> str | None:
            return media.url(record.id, key, token)

        return WatchVideo(
            card=card,
            visibility=record.visibility,
            status=record.status,
            playback_url=url(record.playback_key),
            poster_url=url(record.poster_key),
            storyboard_url=url(record.storyboard_key),
            renditions=tuple(Rendition(r.name, r.height) for r in record.renditions),
            comment_count=record.comment_count,
            width=record.width,
            height=record.height,
        )

    async def comments(self, video_id: UUID) -> CommentPage:
        rows = await self._container.comments.queries.top_level(video_id, COMMENT_PAGE, None)
        shown = rows[:COMMENT_PAGE]
        people = await self._people(row.author_id for row in shown)
        return CommentPage(
            comments=tuple(_comment(row, people[row.author_id]) for row in shown),
            end_cursor=encode_cursor(shown[-1].created_at, shown[-1].id) if shown else None,
            has_more=len(rows) > COMMENT_PAGE,
        )

    async def _cards(self, records: Sequence[VideoRecord]) -> list[VideoCard]:
        people = await self._people(record.owner_id for record in records)
        media = self._container.videos.media
        return [
            VideoCard(
                id=str(r.id),
                title=r.title,
                description=r.description,
                owner=people[r.owner_id],
                created_at=r.created_at,
                duration_seconds=r.duration_seconds,
                thumbnail_url=media.url(r.id, r.thumbnail_key),
                view_count=r.view_count,
            )
            for r in records
        ]

    async def _people(self, ids: Iterable[UUID]) -> dict[UUID, Person]:
        wanted = list(dict.fromkeys(ids))
        found = await self._container.accounts.users.by_ids(wanted)
        return {user_id: Person.of(found.get(user_id)) for user_id in wanted}


def _comment(row: CommentRecord, author: Person) -> CommentView:
    return CommentView(
        id=str(row.id),
        author=author,
        body="" if row.deleted else row.body,
        created_at=row.created_at,
        edited=row.edited_at is not None,
        deleted=row.deleted,
        reply_count=row.reply_count,
    )


def _stream_card(record: LiveStreamRecord, owner: Person) -> StreamCard:
    return StreamCard(
        id=str(record.id),
        title=record.title,
        owner=owner,
        status=str(record.status),
        started_at=record.started_at,
        description=record.description,
        recording_id=str(record.recording_id) if record.recording_id else None,
    )
