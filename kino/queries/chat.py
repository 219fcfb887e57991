"""Reads the chat read model (Redis): room settings and recent history.

``ChatReader`` is what the api and the use cases need; ``ChatQueries`` reads Redis,
``kino.queries.memory`` holds an in-memory reader for unit tests.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Protocol
from uuid import UUID

from kino.queries.generation import LiveGeneration
from kino.queries.positions import Positioned


@dataclass(frozen=True)
class ChatRoomRecord:
    owner_id: UUID
    slow_mode_seconds: int
    closed: bool


@dataclass(frozen=True)
class ChatMessageRecord:
    id: UUID
    stream_id: UUID
    author_id: UUID
    body: str
    created_at: datetime

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ChatMessageRecord:
        return cls(
            id=UUID(data["id"]),
            stream_id=UUID(data["streamId"]),
            author_id=UUID(data["authorId"]),
            body=data["body"],
            created_at=datetime.fromisoformat(data["createdAt"]),
        )


@dataclass(frozen=True)
class ChatBanRecord:
    user_id: UUID
    until: datetime | None  # None: for good

    def active(self, now: datetime) -> bool:
        return self.until is None or self.until > now


class ChatReader(Positioned, Protocol):
    async def room(self, stream_id: UUID) -> ChatRoomRecord | None:
        """The room's settings; None while the stream has no room."""

    async def recent(self, stream_id: UUID, last: int) -> list[ChatMessageRecord]:
        """The ``last`` newest messages, oldest first."""

    async def bans(self, stream_id: UUID) -> list[ChatBanRecord]:
        """The room's bans still in force, longest-lasting first."""


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


class ChatQueries(LiveGeneration, ChatReader):
    """Reads the live generation (``base`` is ``<namespace>:<projection>``)."""

    async def room(self, stream_id: UUID) -> ChatRoomRecord | None:
        await self._refresh()
        owner, slow, closed = await self._redis.hmget(
            self._key("room", stream_id), ["owner_id", "slow_mode", "closed"]
        )
        if owner is None:
            return None
        return ChatRoomRecord(UUID(_text(owner)), int(slow or 0), closed in (b"1", "1"))

    async def recent(self, stream_id: UUID, last: int) -> list[ChatMessageRecord]:
        await self._refresh()
        raw: list[Any] = await self._redis.zrevrange(self._key("order", stream_id), 0, last - 1)
        if not raw:
            return []
        ids = [_text(member) for member in reversed(raw)]
        bodies = await self._redis.hmget(self._key("messages", stream_id), ids)
        return [ChatMessageRecord.from_json(json.loads(body)) for body in bodies if body]

    async def bans(self, stream_id: UUID) -> list[ChatBanRecord]:
        await self._refresh()
        raw: dict[Any, Any] = await self._redis.hgetall(self._key("bans", stream_id))
        records = [
            ChatBanRecord(
                UUID(_text(user)), datetime.fromisoformat(_text(until)) if until else None
            )
            for user, until in raw.items()
        ]
        return in_force(records)


def in_force(records: list[ChatBanRecord]) -> list[ChatBanRecord]:
    """Bans not yet over, for good first, then the longest-lasting."""
    now = datetime.now(UTC)
    active = [record for record in records if record.active(now)]
    return sorted(
        active, key=lambda record: (record.until is not None, -(record.until or now).timestamp())
    )
