"""Fakes of the ports the use cases need (kino/commands/ports.py and the rest): in memory, so
the use cases run in unit tests with the applications on eventsourcing's in-memory store."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from uuid import UUID

from kino.domain.errors import RateLimitedError
from kino.domain.video_values import VideoStatus, Visibility
from kino.infrastructure.storage import ObjectInfo, StorageError


@dataclass
class Entry:
    id: UUID
    owner_id: UUID
    visibility: Visibility = Visibility.PUBLIC
    status: VideoStatus = VideoStatus.READY


class Catalog:
    def __init__(self) -> None:
        self.entries: dict[UUID, Entry] = {}

    def add(self, entry: Entry) -> Entry:
        self.entries[entry.id] = entry
        return entry

    async def by_id(self, video_id: UUID) -> Entry | None:
        return self.entries.get(video_id)


@dataclass
class CommentEntry:
    video_id: UUID


class CommentLookup:
    """What the comments read model would show: filled from the application's results."""

    def __init__(self) -> None:
        self.comments: dict[UUID, CommentEntry] = {}

    async def by_id(self, comment_id: UUID) -> CommentEntry | None:
        return self.comments.get(comment_id)


@dataclass
class Limit:
    """At most ``allowed`` hits per key; refusals are not counted."""

    allowed: int
    hits: dict[object, int] = field(default_factory=lambda: defaultdict(int))

    async def hit(self, key: object, what: str) -> None:
        if self.hits[key] >= self.allowed:
            raise RateLimitedError(f"Too many {what}.", retry_after_seconds=30)
        self.hits[key] += 1


@dataclass
class Room:
    owner_id: UUID
    slow_mode_seconds: int = 0
    closed: bool = False


class Rooms:
    def __init__(self) -> None:
        self.rooms: dict[UUID, Room] = {}

    async def room(self, stream_id: UUID) -> Room | None:
        return self.rooms.get(stream_id)


@dataclass
class SendLimits:
    """Remembers what was reserved and given back; refuses once ``allowed`` are taken."""

    allowed: int = 100
    reserved: list[tuple[UUID, UUID, int]] = field(default_factory=list)
    released: list[tuple[UUID, UUID, int]] = field(default_factory=list)

    async def reserve(
        self, stream_id: UUID, user_id: UUID, slow_mode_seconds: int
    ) -> tuple[UUID, UUID, int]:
        if len(self.reserved) - len(self.released) >= self.allowed:
            raise RateLimitedError("Slow down.", retry_after_seconds=5)
        slot = (stream_id, user_id, slow_mode_seconds)
        self.reserved.append(slot)
        return slot

    async def release(self, reservation: tuple[UUID, UUID, int]) -> None:
        self.released.append(reservation)


@dataclass
class Throttle:
    limit: int = 3
    failures: dict[str, int] = field(default_factory=lambda: defaultdict(int))

    async def check(self, login: str, address: str) -> None:
        if self.failures[login] >= self.limit:
            raise RateLimitedError("Too many failed sign-ins.", retry_after_seconds=60)

    async def failed(self, login: str, address: str) -> None:
        self.failures[login] += 1


@dataclass
class Tally:
    counted: set[tuple[UUID, str]] = field(default_factory=set)

    async def record(self, video_id: UUID, viewer_key: str, seconds_watched: float) -> bool:
        if seconds_watched < 5 or (video_id, viewer_key) in self.counted:
            return False
        self.counted.add((video_id, viewer_key))
        return True


class Sessions:
    """The sessions view: session → (user, active); a session it lacks is not in it."""

    def __init__(self) -> None:
        self.known: dict[UUID, tuple[UUID, bool]] = {}

    async def lookup(self, session_id: UUID) -> tuple[UUID, bool] | None:
        return self.known.get(session_id)


class SessionRecords:
    """What the event store says of each session; ``asked`` counts the questions."""

    def __init__(self) -> None:
        self.active: dict[UUID, UUID] = {}
        self.asked = 0

    def session_user(self, session_id: UUID) -> UUID | None:
        self.asked += 1
        return self.active.get(session_id)


class MemoryStore:
    """An object store in a dict, without presigned URLs (uploads go through the api)."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_file(
        self, key: str, path: Path, content_type: str, *, move: bool = False, durable: bool = False
    ) -> None:
        self.objects[key] = path.read_bytes()
        if move:
            path.unlink()

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.objects[key] = data

    def stat(self, key: str) -> ObjectInfo | None:
        data = self.objects.get(key)
        return ObjectInfo(key, len(data)) if data is not None else None

    def download(self, key: str, path: Path) -> None:
        path.write_bytes(self._get(key))

    def read(
        self, key: str, chunk_size: int = 64 * 1024, *, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        data = self._get(key)
        yield data[offset : None if length is None else offset + length]

    def list(self, prefix: str) -> list[ObjectInfo]:
        return [
            ObjectInfo(k, len(v)) for k, v in sorted(self.objects.items()) if k.startswith(prefix)
        ]

    def delete(self, key: str) -> None:
        self.objects.pop(key, None)

    def delete_prefix(self, prefix: str) -> int:
        keys = [key for key in self.objects if key.startswith(prefix)]
        for key in keys:
            del self.objects[key]
        return len(keys)

    def presigned_put(self, key: str, content_type: str, expires: timedelta) -> str | None:
        return None

    def _get(self, key: str) -> bytes:
        if key not in self.objects:
            raise StorageError(f"no object {key}")
        return self.objects[key]
