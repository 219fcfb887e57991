"""What the use cases need from the read side and from Redis, as protocols: the real readers
and limits satisfy them, and the unit tests pass fakes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol
from uuid import UUID

from kino.domain.video_values import VideoStatus, Visibility

WhoIsAsking = Callable[[], Awaitable[UUID | None]]  # the signed-in user, asked only if needed


class CatalogEntry(Protocol):
    @property
    def id(self) -> UUID: ...
    @property
    def owner_id(self) -> UUID: ...
    @property
    def visibility(self) -> Visibility: ...
    @property
    def status(self) -> VideoStatus: ...


class Catalog(Protocol):
    async def by_id(self, video_id: UUID) -> CatalogEntry | None: ...


class CommentEntry(Protocol):
    @property
    def video_id(self) -> UUID: ...


class CommentLookup(Protocol):
    async def by_id(self, comment_id: UUID) -> CommentEntry | None: ...


class RateLimiter(Protocol):
    async def hit(self, key: object, what: str) -> None:
        """RateLimitedError when ``key`` did ``what`` too often (then it is not counted)."""


async def watchable(
    catalog: Catalog, video_id: UUID, who: WhoIsAsking, *, ready: bool = True
) -> CatalogEntry | None:
    """The video when the person asking may watch it (PUBLIC and UNLISTED: anyone; PRIVATE:
    its owner) and, with ``ready``, it is READY; else None. ``who`` is asked only for a
    PRIVATE video, so an anonymous read of a public one never needs a valid session."""
    entry = await catalog.by_id(video_id)
    if entry is None or (ready and entry.status is not VideoStatus.READY):
        return None
    if entry.visibility is Visibility.PRIVATE and await who() != entry.owner_id:
        return None
    return entry
