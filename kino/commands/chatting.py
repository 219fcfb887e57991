"""Sending a chat message: the room must be open, the sender within the rate limit and the
room's slow mode (the streamer is exempt from slow mode), and the message is saved with the
others that arrive at the same moment (group commit). A refused message gives its slot back."""

from __future__ import annotations

from typing import Generic, Protocol, TypeVar
from uuid import UUID

from kino.commands.chat import PostedMessage, PostRequest
from kino.commands.groupcommit import GroupCommit
from kino.domain.chat import BODY
from kino.domain.errors import ForbiddenError, KinoError, NotFoundError

Slot = TypeVar("Slot")


class RoomEntry(Protocol):
    @property
    def owner_id(self) -> UUID: ...
    @property
    def slow_mode_seconds(self) -> int: ...
    @property
    def closed(self) -> bool: ...


class Rooms(Protocol):
    async def room(self, stream_id: UUID) -> RoomEntry | None: ...


class SendLimits(Protocol[Slot]):
    async def reserve(self, stream_id: UUID, user_id: UUID, slow_mode_seconds: int) -> Slot:
        """RateLimitedError when the sender must wait; else a slot to give back if refused."""

    async def release(self, reservation: Slot) -> None: ...


async def open_room(rooms: Rooms, stream_id: UUID) -> RoomEntry:
    room = await rooms.room(stream_id)
    if room is None:
        raise NotFoundError("There is no such live stream.")
    return room


class Chatting(Generic[Slot]):
    def __init__(
        self,
        commit: GroupCommit[PostRequest, PostedMessage],
        rooms: Rooms,
        limits: SendLimits[Slot],
    ) -> None:
        self.commit, self.rooms, self.limits = commit, rooms, limits

    async def send(self, author_id: UUID, stream_id: UUID, body: str) -> PostedMessage:
        text = BODY.clean(body)
        room = await open_room(self.rooms, stream_id)
        if room.closed:
            raise ForbiddenError("This stream has ended; its chat is closed.")
        slow = 0 if room.owner_id == author_id else room.slow_mode_seconds
        reservation = await self.limits.reserve(stream_id, author_id, slow)
        try:
            return await self.commit.submit(PostRequest(stream_id, author_id, text))
        except KinoError:
            await self.limits.release(reservation)
            raise
