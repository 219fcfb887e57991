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
from typing import Generic, Protocol, TypeVar
from uuid import UUID

from kino.domain.live import LiveStatus
from kino.queries.chat import (
    ChatBanRecord,
    ChatMessageRecord,
    ChatReader,
    ChatRoomRecord,
    in_force,
)
from kino.queries.comments import CommentReader, CommentRecord, Keyset
from kino.queries.cursors import Keyed
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


class Identified(Protocol):
    @property
    def id(self) -> UUID: ...


Record = TypeVar("Record", bound=Identified)


@dataclass
class Records(Positions, Generic[Record]):
    """The records a test added (``add``), by id."""

    records: dict[UUID, Record] = field(default_factory=dict)

    def add(self, *records: Record) -> None:
        self.records.update((record.id, record) for record in records)

    async def by_id(self, record_id: UUID) -> Record | None:
        return self.records.get(record_id)


@dataclass
class MemoryUsers(Records[UserRecord], UserReader):
    async def by_ids(self, user_ids: Sequence[UUID]) -> dict[UUID, UserRecord]:
        return {user_id: self.records[user_id] for user_id in user_ids if user_id in self.records}

    async def by_handle(self, handle: str) -> UserRecord | None:
        return self.with_handle(handle)

    async def by_email(self, email: str) -> UserRecord | None:
        wanted = email.strip().lower()
        return next((user for user in self.records.values() if user.email == wanted), None)

    def with_handle(self, handle: str) -> UserRecord | None:
        wanted = handle.strip().lower()
        return next((user for user in self.records.values() if user.handle == wanted), None)


@dataclass
class MemorySessions(Positions, SessionReader):
    sessions: dict[UUID, tuple[UUID, bool]] = field(default_factory=dict)  # → (user, active)

    def start(self, session_id: UUID, user_id: UUID) -> None:
        self.sessions[session_id] = (user_id, True)

    def revoke(self, session_id: UUID) -> None:
        if session_id in self.sessions:
            self.sessions[session_id] = (self.sessions[session_id][0], False)

    async def lookup(self, session_id: UUID) -> tuple[UUID, bool] | None:
        return self.sessions.get(session_id)


@dataclass
class MemoryVideos(Records[VideoRecord], VideoReader):
    """``users`` finds the channel of ``PageRequest.owner_handle``."""

    users: MemoryUsers = field(default_factory=MemoryUsers)

    async def page(self, request: PageRequest) -> list[VideoRecord]:
        rows = [video for video in self.records.values() if self._wanted(video, request)]
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
class MemoryComments(Records[CommentRecord], CommentReader):
    async def top_level(
        self, video_id: UUID, first: int, after: Keyset | None
    ) -> list[CommentRecord]:
        rows = [
            comment
            for comment in self.records.values()
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
            for comment in self.records.values()
            if comment.parent_id == parent
            and (after is None or (comment.created_at, comment.id) > after)
        ]
        return sorted(rows, key=lambda row: (row.created_at, row.id))[: first + 1]


@dataclass
class MemoryLiveStreams(Records[LiveStreamRecord], LiveStreamReader):
    async def stream(self, stream_id: UUID) -> LiveStreamRecord | None:
        return await self.by_id(stream_id)

    async def streams(self, stream_ids: Sequence[UUID]) -> list[LiveStreamRecord]:
        return [self.records[stream_id] for stream_id in stream_ids if stream_id in self.records]

    async def page(
        self, first: int, offset: int, live_only: bool
    ) -> tuple[list[LiveStreamRecord], bool]:
        if live_only:
            live = [stream for stream in self.records.values() if stream.status is LiveStatus.LIVE]
            rows = sorted(live, key=lambda s: (s.started_at or s.created_at, s.id), reverse=True)
        else:
            rows = newest_first(list(self.records.values()))
        window = rows[offset : offset + first + 1]
        return window[:first], len(window) > first

    async def owned(
        self, owner_id: UUID, first: int, offset: int
    ) -> tuple[list[LiveStreamRecord], bool]:
        mine = [stream for stream in self.records.values() if stream.owner_id == owner_id]
        window = newest_first(mine)[offset : offset + first + 1]
        return window[:first], len(window) > first


@dataclass
class MemoryChat(Positions, ChatReader):
    rooms: dict[UUID, ChatRoomRecord] = field(default_factory=dict)
    messages: dict[UUID, list[ChatMessageRecord]] = field(default_factory=dict)  # oldest first
    banned: dict[UUID, list[ChatBanRecord]] = field(default_factory=dict)

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

    async def bans(self, stream_id: UUID) -> list[ChatBanRecord]:
        return in_force(self.banned.get(stream_id, []))


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
