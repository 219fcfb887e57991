"""In-memory readers, one per read model, for unit tests: fill them, hand them to use cases.

Each answers like its PostgreSQL or Redis twin (the same records, order, paging and
visibility rules) from what a test put in: ``add`` records, set ``positions[app]``. What
they leave out: search matches whole words (PostgreSQL's ``simple`` configuration, with
``-word`` and ``or`` but not phrases), and the projection's own rules (a comment's
placeholder after deletion, chat history capped) are the test's to set up.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar
from uuid import UUID

from kino.queries.chat import ChatMessageRecord, ChatReader, ChatRoomRecord
from kino.queries.comments import CommentReader, CommentRecord, Keyset
from kino.queries.live import LiveStreamReader, LiveStreamRecord
from kino.queries.sessions import SessionReader
from kino.queries.users import UserReader, UserRecord
from kino.queries.videos import PageRequest, VideoReader, VideoRecord

_WORD = re.compile(r"\w+")
_OR = re.compile(r"\s+or\s+", re.IGNORECASE)


@dataclass
class Positions:
    """How far the read model has processed each application (what ``position`` answers)."""

    positions: dict[str, int] = field(default_factory=dict)

    async def position(self, application_name: str) -> int:
        return self.positions.get(application_name, 0)


@dataclass
class MemoryUsers(Positions, UserReader):
    users: dict[UUID, UserRecord] = field(default_factory=dict)

    def add(self, *users: UserRecord) -> None:
        self.users.update((user.id, user) for user in users)

    async def by_id(self, user_id: UUID) -> UserRecord | None:
        return self.users.get(user_id)

    async def by_ids(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        return {user_id: self.users[user_id] for user_id in user_ids if user_id in self.users}

    async def by_handle(self, handle: str) -> UserRecord | None:
        return self.with_handle(handle)

    async def by_email(self, email: str) -> UserRecord | None:
        wanted = email.strip().lower()
        return next((user for user in self.users.values() if user.email == wanted), None)

    def with_handle(self, handle: str) -> UserRecord | None:
        wanted = handle.strip().lower()
        return next((user for user in self.users.values() if user.handle == wanted), None)


@dataclass
class MemorySessions(Positions, SessionReader):
    active: dict[UUID, UUID] = field(default_factory=dict)  # session → user, while active

    def start(self, session_id: UUID, user_id: UUID) -> None:
        self.active[session_id] = user_id

    def revoke(self, session_id: UUID) -> None:
        self.active.pop(session_id, None)

    async def active_user(self, session_id: UUID) -> UUID | None:
        return self.active.get(session_id)


@dataclass
class MemoryVideos(Positions, VideoReader):
    """``users`` finds the channel of ``PageRequest.owner_handle``."""

    users: MemoryUsers = field(default_factory=MemoryUsers)
    videos: dict[UUID, VideoRecord] = field(default_factory=dict)

    def add(self, *videos: VideoRecord) -> None:
        self.videos.update((video.id, video) for video in videos)

    async def by_id(self, video_id: UUID) -> VideoRecord | None:
        return self.videos.get(video_id)

    async def page(self, request: PageRequest) -> list[VideoRecord]:
        rows = [video for video in self.videos.values() if self._wanted(video, request)]
        if request.after is not None:
            after = request.after
            rows = [video for video in rows if (video.created_at, video.id) < after]
        return newest_first(rows)[: request.first + 1]

    def _wanted(self, video: VideoRecord, request: PageRequest) -> bool:
        shown = video.owner_id == request.mine if request.mine else video.listed
        if not shown:
            return False
        if request.owner_handle is not None:
            owner = self.users.with_handle(request.owner_handle)
            if owner is None or owner.id != video.owner_id:
                return False
        return not request.search or matches(request.search, video.title, video.description)


@dataclass
class MemoryComments(Positions, CommentReader):
    comments: dict[UUID, CommentRecord] = field(default_factory=dict)

    def add(self, *comments: CommentRecord) -> None:
        self.comments.update((comment.id, comment) for comment in comments)

    async def by_id(self, comment_id: UUID) -> CommentRecord | None:
        return self.comments.get(comment_id)

    async def top_level(
        self, video_id: UUID, first: int, after: Keyset | None
    ) -> list[CommentRecord]:
        rows = [
            comment
            for comment in self.comments.values()
            if comment.video_id == video_id
            and comment.parent_id is None
            and (after is None or (comment.created_at, comment.id) < after)
        ]
        return newest_first(rows)[: first + 1]

    async def replies(
        self, parent_ids: Sequence[UUID], first: int, after: Keyset | None
    ) -> dict[UUID, list[CommentRecord]]:
        return {parent: self._replies(parent, first, after) for parent in parent_ids}

    def _replies(self, parent: UUID, first: int, after: Keyset | None) -> list[CommentRecord]:
        rows = [
            comment
            for comment in self.comments.values()
            if comment.parent_id == parent
            and (after is None or (comment.created_at, comment.id) > after)
        ]
        return sorted(rows, key=lambda row: (row.created_at, row.id))[: first + 1]


@dataclass
class MemoryLiveStreams(Positions, LiveStreamReader):
    records: dict[UUID, LiveStreamRecord] = field(default_factory=dict)

    def add(self, *streams: LiveStreamRecord) -> None:
        self.records.update((stream.id, stream) for stream in streams)

    async def stream(self, stream_id: UUID) -> LiveStreamRecord | None:
        return self.records.get(stream_id)

    async def streams(self, stream_ids: Sequence[UUID]) -> list[LiveStreamRecord]:
        return [self.records[stream_id] for stream_id in stream_ids if stream_id in self.records]

    async def page(
        self, first: int, offset: int, live_only: bool
    ) -> tuple[list[LiveStreamRecord], bool]:
        if live_only:
            live = [stream for stream in self.records.values() if stream.status == "LIVE"]
            rows = sorted(live, key=lambda s: (s.started_at or s.created_at, s.id), reverse=True)
        else:
            rows = newest_first(list(self.records.values()))
        window = rows[offset : offset + first + 1]
        return window[:first], len(window) > first


@dataclass
class MemoryChat(Positions, ChatReader):
    rooms: dict[UUID, ChatRoomRecord] = field(default_factory=dict)
    messages: dict[UUID, list[ChatMessageRecord]] = field(default_factory=dict)  # oldest first

    def open(self, stream_id: UUID, owner_id: UUID, slow_mode_seconds: int = 0) -> None:
        self.rooms[stream_id] = ChatRoomRecord(owner_id, slow_mode_seconds, closed=False)

    def post(self, *messages: ChatMessageRecord) -> None:
        for message in messages:
            self.messages.setdefault(message.stream_id, []).append(message)

    async def room(self, stream_id: UUID) -> ChatRoomRecord | None:
        return self.rooms.get(stream_id)

    async def recent(self, stream_id: UUID, last: int) -> list[ChatMessageRecord]:
        history = self.messages.get(stream_id, [])
        return history[-last:] if last > 0 else []


class Keyed(Protocol):
    """A record keyset paging orders: by (created_at, id)."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def id(self) -> UUID: ...


Row = TypeVar("Row", bound=Keyed)


def newest_first(rows: list[Row]) -> list[Row]:
    """Descending (created_at, id), as the readers' keyset order."""
    return sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)


def matches(query: str, *texts: str) -> bool:
    """Every word of ``query`` is a word of ``texts`` (``-word``: is not), ignoring case;
    ``a or b`` matches either side."""
    words = {word.lower() for text in texts for word in _WORD.findall(text)}
    return any(_all_terms(side, words) for side in _OR.split(query))


def _all_terms(query: str, words: set[str]) -> bool:
    for term in query.split():
        wanted = {word.lower() for word in _WORD.findall(term)}
        if term.startswith("-") and wanted & words:
            return False
        if not term.startswith("-") and not wanted <= words:
            return False
    return True
