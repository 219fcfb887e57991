"""Reads the live streams read model (Redis): a stream by id, newest first, live ones.

``LiveStreamReader`` is what the api needs; ``LiveQueries`` reads Redis, ``kino.queries.memory``
holds an in-memory reader for unit tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from kino.domain.live import LiveStatus
from kino.queries.generation import LiveGeneration
from kino.queries.positions import Positioned


@dataclass(frozen=True)
class LiveStreamRecord:
    id: UUID
    owner_id: UUID
    title: str
    description: str
    status: LiveStatus
    created_at: datetime
    started_at: datetime | None
    ended_at: datetime | None
    recording_id: UUID | None = None


class LiveStreamReader(Positioned, Protocol):
    async def stream(self, stream_id: UUID) -> LiveStreamRecord | None: ...

    async def streams(self, stream_ids: Sequence[UUID]) -> list[LiveStreamRecord]:
        """The streams found among ``stream_ids``, in that order."""

    async def page(
        self, first: int, offset: int, live_only: bool
    ) -> tuple[list[LiveStreamRecord], bool]:
        """Newest first (by start time when live only, else by creation); True: more follow."""

    async def owned(
        self, owner_id: UUID, first: int, offset: int
    ) -> tuple[list[LiveStreamRecord], bool]:
        """One owner's streams, newest first; True: more follow."""


def _text(value: Any) -> str | None:
    return value.decode() if isinstance(value, bytes) else value


def _record(raw: dict[Any, Any]) -> LiveStreamRecord | None:
    row = {_text(key): _text(value) for key, value in raw.items()}
    if not row.get("id"):
        return None
    started, ended = row.get("started_at"), row.get("ended_at")
    return LiveStreamRecord(
        id=UUID(row["id"]),
        owner_id=UUID(row["owner_id"] or ""),
        title=row["title"] or "",
        description=row.get("description") or "",
        status=LiveStatus(row["status"] or LiveStatus.OFFLINE),
        created_at=datetime.fromisoformat(row["created_at"] or ""),
        started_at=datetime.fromisoformat(started) if started else None,
        ended_at=datetime.fromisoformat(ended) if ended else None,
        recording_id=UUID(row["recording_id"]) if row.get("recording_id") else None,
    )


class LiveQueries(LiveGeneration, LiveStreamReader):
    """Reads the live generation (``base`` is ``<namespace>:<projection>``)."""

    async def stream(self, stream_id: UUID) -> LiveStreamRecord | None:
        await self._refresh()
        return _record(await self._redis.hgetall(self._key("stream", stream_id)))

    async def streams(self, stream_ids: Sequence[UUID]) -> list[LiveStreamRecord]:
        await self._refresh()
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream_id in stream_ids:
                pipe.hgetall(self._key("stream", stream_id))
            rows = await pipe.execute()
        return [record for row in rows if (record := _record(row)) is not None]

    async def page(
        self, first: int, offset: int, live_only: bool
    ) -> tuple[list[LiveStreamRecord], bool]:
        await self._refresh()
        index = self._key("live" if live_only else "created")
        ids = await self._redis.zrevrange(index, offset, offset + first)
        records = await self.streams([UUID(_text(raw) or "") for raw in list(ids)[:first]])
        return records, len(ids) > first

    async def owned(
        self, owner_id: UUID, first: int, offset: int
    ) -> tuple[list[LiveStreamRecord], bool]:
        await self._refresh()
        ids = await self._redis.zrevrange(self._key("owner", owner_id), offset, offset + first)
        records = await self.streams([UUID(_text(raw) or "") for raw in list(ids)[:first]])
        return records, len(ids) > first
