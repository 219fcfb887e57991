"""GraphQL types of the live context (the contract's LiveStream, LiveStreamCredentials) and the
read-backs its mutations answer with."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from kino.domain.errors import KinoError, NotFoundError
from kino.domain.live import LiveStatus
from kino.graphql.accounts.types import UserType, load_user
from kino.graphql.context import Info, KinoContext, wait_for_position
from kino.graphql.videos.types import VideoType
from kino.queries.live import LiveStreamRecord

strawberry.enum(LiveStatus, name="LiveStatus")  # the domain's enum is the GraphQL enum


@strawberry.type(name="LiveStream")
class LiveStreamType:
    id: strawberry.ID
    title: str
    description: str
    status: LiveStatus
    started_at: datetime | None
    ended_at: datetime | None
    _owner_id: strawberry.Private[UUID]

    @strawberry.field
    async def owner(self, info: Info) -> UserType:
        user = await load_user(info.context, self._owner_id)
        if user is None:
            raise KinoError("The stream's owner could not be read.")
        return user

    @strawberry.field
    def playback_url(self, info: Info) -> str | None:
        if self.status is not LiveStatus.LIVE:
            return None
        return f"{info.context.container.settings.public_url}/live/{self.id}/hls/master.m3u8"

    @strawberry.field(description="People on the stream's page now (liveStream subscriptions).")
    async def viewer_count(self, info: Info) -> int:
        return await info.context.container.realtime.viewers.count(self.id)

    @strawberry.field(
        description="The recording of an ended stream. Streams are not recorded yet (the RTMP "
        "ingest that would record them is not built), so this is null."
    )
    def recording(self) -> VideoType | None:
        return None

    @strawberry.field
    async def chat_slow_mode_seconds(self, info: Info) -> int:
        room = await info.context.container.chat.rooms.room(UUID(self.id))
        return room.slow_mode_seconds if room else 0

    @classmethod
    def from_record(cls, record: LiveStreamRecord) -> LiveStreamType:
        return cls(
            id=strawberry.ID(str(record.id)),
            title=record.title,
            description=record.description,
            status=LiveStatus(record.status),
            started_at=record.started_at,
            ended_at=record.ended_at,
            _owner_id=record.owner_id,
        )


@strawberry.type
class LiveStreamCredentials:
    stream: LiveStreamType
    ingest_url: str
    stream_key: str


async def read_stream(context: KinoContext, stream_id: UUID) -> LiveStreamType:
    record = await context.container.live.streams.stream(stream_id)
    if record is None:
        raise NotFoundError("There is no such live stream.")
    return LiveStreamType.from_record(record)


async def settled(context: KinoContext, position: int | None) -> None:
    """Wait until the live streams read model shows our write."""
    if position is not None:
        live = context.container.live
        await wait_for_position(lambda: live.streams.position(live.app.name), position)


async def room_state(context: KinoContext, stream_id: UUID, closed: bool) -> None:
    """Wait until the chat process has opened (or closed) the stream's room."""
    rooms = context.container.chat.rooms

    async def reached() -> int:
        room = await rooms.room(stream_id)
        return int(room is not None and room.closed == closed)

    await wait_for_position(reached, 1)


def credentials_of(
    context: KinoContext, stream: LiveStreamType, stream_key: str
) -> LiveStreamCredentials:
    return LiveStreamCredentials(
        stream=stream, ingest_url=context.container.live.ingest_url, stream_key=stream_key
    )
