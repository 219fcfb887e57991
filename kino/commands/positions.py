"""Resume positions: where a signed-in viewer stopped each video, so that another device
continues there.

A position is not an event: players report one every few seconds while they play, and
nothing else derives from it. It lives in a small read-model-only store (``PositionStore``,
Redis in production) that keeps a bounded number of videos per user for a while and may
lose them; the browser keeps its own copy for everyone, signed in or not.

A position is kept only where resuming makes sense: not in the first ``EDGE_SECONDS`` of a
video, nor in its last ``EDGE_SECONDS`` (there the video counts as watched, and the
position is cleared).
"""

from __future__ import annotations

import math
from typing import Protocol
from uuid import UUID

from kino.commands.ports import RateLimiter
from kino.domain.errors import BadInputError, NotFoundError

EDGE_SECONDS = 5.0
SAVES_PER_MINUTE = 30  # a player saves every ~10 s and on pause: room for a few tabs
PLAYABLE = ("PROCESSING", "READY")  # a video plays as soon as its first rendition exists


class TimedEntry(Protocol):
    """What the catalog tells about a video here (``kino.queries.videos.VideoRecord``)."""

    @property
    def id(self) -> UUID: ...
    @property
    def owner_id(self) -> UUID: ...
    @property
    def visibility(self) -> str: ...
    @property
    def status(self) -> str: ...
    @property
    def duration_seconds(self) -> float | None: ...


class TimedCatalog(Protocol):
    async def by_id(self, video_id: UUID) -> TimedEntry | None: ...


class PositionStore(Protocol):
    async def save(self, user_id: UUID, video_id: UUID, seconds: float) -> None:
        """Keep the position (the store bounds how many videos it keeps per user)."""

    async def clear(self, user_id: UUID, video_id: UUID) -> None: ...

    async def get(self, user_id: UUID, video_id: UUID) -> float | None: ...


def resumable(seconds: float, duration: float | None) -> bool:
    """Worth resuming: past the first seconds and, when the duration is known, before the
    last ones."""
    if seconds < EDGE_SECONDS:
        return False
    return duration is None or seconds < duration - EDGE_SECONDS


class Positions:
    def __init__(self, catalog: TimedCatalog, store: PositionStore, limit: RateLimiter) -> None:
        self.catalog, self.store, self.limit = catalog, store, limit

    async def save(self, user_id: UUID, video_id: UUID, seconds: float) -> bool:
        """Keep where ``user_id`` is in the video: True when kept, False when cleared (too
        near the start or the end to resume)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise BadInputError("seconds must be a position in the video.", field="seconds")
        await self.limit.hit(user_id, "position updates")
        entry = await self.catalog.by_id(video_id)
        if (
            entry is None
            or entry.status not in PLAYABLE
            or (entry.visibility == "PRIVATE" and entry.owner_id != user_id)
        ):
            raise NotFoundError("There is no such video.")
        duration = entry.duration_seconds
        if duration is not None and seconds > duration + 1:
            raise BadInputError("seconds is past the end of the video.", field="seconds")
        if resumable(seconds, duration):
            await self.store.save(user_id, entry.id, seconds)
            return True
        await self.store.clear(user_id, entry.id)
        return False

    async def position(self, user_id: UUID, video_id: UUID) -> float | None:
        """Where the user stopped, when there is somewhere to resume."""
        return await self.store.get(user_id, video_id)
