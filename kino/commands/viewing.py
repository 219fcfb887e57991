"""Counting views: once per viewer per video per hour, from 5 seconds of play."""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from kino.commands.ports import Catalog, watchable
from kino.domain.errors import BadInputError, NotFoundError
from kino.domain.text import opaque

MAX_SECONDS_WATCHED = 7 * 24 * 3600


class ViewTally(Protocol):
    async def record(self, video_id: UUID, viewer_key: str, seconds_watched: float) -> bool:
        """True when this report counted a view."""


class Viewing:
    def __init__(self, catalog: Catalog, tally: ViewTally) -> None:
        self.catalog, self.tally = catalog, tally

    async def record(
        self, video_id: UUID, user_id: UUID | None, anonymous_id: str | None, seconds: float
    ) -> bool:
        """A signed-in viewer counts by user, anyone else by the id their client keeps."""
        anonymous = opaque(anonymous_id or "", field="viewerId", max_length=64).strip()
        if user_id is None and not anonymous:
            raise BadInputError("Send a viewerId (or sign in).", field="viewerId")
        if not 0 <= seconds <= MAX_SECONDS_WATCHED:
            raise BadInputError("secondsWatched is out of range.", field="secondsWatched")

        async def who() -> UUID | None:
            return user_id

        entry = await watchable(self.catalog, video_id, who)
        if entry is None:
            raise NotFoundError("There is no such video.")
        key = f"user:{user_id}" if user_id else f"anon:{anonymous}"
        return await self.tally.record(entry.id, key, seconds)
