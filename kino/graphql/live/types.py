"""GraphQL types of the live context (the contract's LiveStream, LiveStreamCredentials) and the
read-backs its mutations answer with."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from kino.bootstrap.container import StreamHealth
from kino.domain.errors import NotFoundError
from kino.domain.live import LiveStatus
from kino.graphql.accounts.types import UserType, required_user
from kino.graphql.context import Info, KinoContext
from kino.graphql.videos.types import VideoType
from kino.queries.live import LiveStreamRecord
from kino.queries.positions import caught_up, wait_for_position

strawberry.enum(LiveStatus, name="LiveStatus")  # the domain's enum is the GraphQL enum


@strawberry.type(
    name="LiveStreamHealth",
    description="How the encoder and the live ladder are doing, as the ingest last reported.",
)
class LiveStreamHealthType:
    input_bitrate: float | None = strawberry.field(description="Bits per second from the encoder.")
    frame_rate: float | None
    encoder_speed: float | None = strawberry.field(
        description="The ladder's pace against the source's (1.0 keeps up; below drops rungs)."
    )
    rungs: int | None
    dropped_frames: int | None
    updated_at: datetime

    @classmethod
    def of(cls, health: StreamHealth) -> LiveStreamHealthType:
        return cls(
            input_bitrate=health.input_bits_per_second,
            frame_rate=health.fps,
            encoder_speed=health.encoder_speed,
            rungs=health.rungs,
            dropped_frames=health.dropped_frames,
            updated_at=health.updated_at,
        )


@strawberry.type(name="LiveStream")
class LiveStreamType:
    id: strawberry.ID
    title: str
    description: str
    status: LiveStatus
    started_at: datetime | None
    ended_at: datetime | None
    _owner_id: strawberry.Private[UUID]
    _recording_id: strawberry.Private[UUID | None] = None

    @strawberry.field
    async def owner(self, info: Info) -> UserType:
        return await required_user(info.context, self._owner_id, "stream's owner")

    @strawberry.field
    def playback_url(self, info: Info) -> str | None:
        if self.status is not LiveStatus.LIVE:
            return None
        return f"{info.context.container.settings.public_url}/live/{self.id}/hls/master.m3u8"

    @strawberry.field(description="People on the stream's page now (liveStream subscriptions).")
    async def viewer_count(self, info: Info) -> int:
        return await info.context.container.realtime.viewers.count(self.id)

    @strawberry.field(
        description="The broadcast as a video (created with saveRecording), once the stream "
        "has ended; it is processed like an upload."
    )
    async def recording(self, info: Info) -> VideoType | None:
        if self._recording_id is None:
            return None
        record = await info.context.container.videos.catalog.by_id(self._recording_id)
        if record is None or not record.visible_to(None):
            return None
        return VideoType.from_record(info.context, record)

    @strawberry.field(description="The stream's owner only; null while nothing is published.")
    async def health(self, info: Info) -> LiveStreamHealthType | None:
        viewer = await info.context.viewer()
        if viewer is None or viewer.user_id != self._owner_id:
            return None
        health = await info.context.container.live.health.read(UUID(self.id))
        return LiveStreamHealthType.of(health) if health else None

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
            status=record.status,
            started_at=record.started_at,
            ended_at=record.ended_at,
            _owner_id=record.owner_id,
            _recording_id=record.recording_id,
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
    live = context.container.live
    await caught_up(live.streams, live.app.name, position)


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
