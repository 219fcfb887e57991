"""GraphQL for live streams: create, rotate the key, end, read, subscribe to changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from urllib.parse import urlsplit
from uuid import UUID

import strawberry

from kino.domain.errors import KinoError, NotFoundError
from kino.domain.live import LiveStatus
from kino.graphql.accounts import UserType, load_user
from kino.graphql.context import Info, KinoContext, run_sync, wait_for_position
from kino.graphql.ids import (
    check_page_size,
    fresh_announcements,
    offset_cursor,
    parse_id,
    parse_offset_cursor,
)
from kino.graphql.inputs import bounded
from kino.graphql.pagination import PageInfo
from kino.graphql.video_types import VideoType
from kino.infrastructure.pubsub import channel_name
from kino.queries.live import LiveStreamRecord

LiveStatusType = strawberry.enum(LiveStatus, name="LiveStatus")


@strawberry.type(name="LiveStream")
class LiveStreamType:
    id: strawberry.ID
    title: str
    description: str
    status: LiveStatusType  # type: ignore[valid-type]
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
        return f"{info.context.services.settings.public_url}/live/{self.id}/hls/master.m3u8"

    @strawberry.field(description="People on the stream's page now (liveStream subscriptions).")
    async def viewer_count(self, info: Info) -> int:
        return await info.context.services.viewers.count(self.id)

    @strawberry.field(
        description="The recording of an ended stream. Streams are not recorded yet (the RTMP "
        "ingest that would record them is not built), so this is null."
    )
    def recording(self) -> VideoType | None:
        return None

    @strawberry.field
    async def chat_slow_mode_seconds(self, info: Info) -> int:
        room = await info.context.services.chat_rooms.room(UUID(self.id))
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


@strawberry.type
class LiveStreamEdge:
    cursor: str
    node: LiveStreamType


@strawberry.type
class LiveStreamConnection:
    edges: list[LiveStreamEdge]
    page_info: PageInfo


async def read_stream(context: KinoContext, stream_id: UUID) -> LiveStreamType:
    record = await context.services.live_streams.stream(stream_id)
    if record is None:
        raise NotFoundError("There is no such live stream.")
    return LiveStreamType.from_record(record)


async def settled(context: KinoContext, position: int | None) -> None:
    """Wait until the live streams read model shows our write."""
    if position is not None:
        services = context.services
        await wait_for_position(lambda: services.live_streams.position("live"), position)


async def room_state(context: KinoContext, stream_id: UUID, closed: bool) -> None:
    """Wait until the chat process has opened (or closed) the stream's room."""
    rooms = context.services.chat_rooms

    async def reached() -> int:
        room = await rooms.room(stream_id)
        return int(room is not None and room.closed == closed)

    await wait_for_position(reached, 1)


def ingest_url(context: KinoContext) -> str:
    settings = context.services.settings
    return f"rtmp://{urlsplit(settings.public_url).hostname}:{settings.rtmp_port}/live"


@strawberry.type
class LiveQuery:
    @strawberry.field
    async def live_stream(self, info: Info, id: strawberry.ID) -> LiveStreamType | None:
        record = await info.context.services.live_streams.stream(parse_id(id))
        return LiveStreamType.from_record(record) if record else None

    @strawberry.field
    async def live_streams(
        self,
        info: Info,
        first: int | None = 20,
        after: str | None = None,
        live_only: bool | None = True,
    ) -> LiveStreamConnection:
        offset = parse_offset_cursor(after)
        records, more = await info.context.services.live_streams.page(
            check_page_size(20 if first is None else first), offset, live_only is not False
        )
        edges = [
            LiveStreamEdge(cursor=offset_cursor(offset + i + 1), node=LiveStreamType.from_record(r))
            for i, r in enumerate(records)
        ]
        end = edges[-1].cursor if edges else None
        return LiveStreamConnection(
            edges=edges, page_info=PageInfo(has_next_page=more, end_cursor=end)
        )


@strawberry.type
class LiveMutation:
    @strawberry.mutation
    async def create_live_stream(
        self, info: Info, title: str, description: str | None = ""
    ) -> LiveStreamCredentials:
        context = info.context
        viewer = await context.require_viewer()
        credentials = await run_sync(
            context.services.live.create_stream,
            viewer.user_id,
            bounded(title, "title", 1000),
            bounded(description or "", "description", 20000),
        )
        await settled(context, credentials.position)
        await room_state(context, credentials.stream_id, closed=False)
        return LiveStreamCredentials(
            stream=await read_stream(context, credentials.stream_id),
            ingest_url=ingest_url(context),
            stream_key=credentials.stream_key,
        )

    @strawberry.mutation(description="Owner only. The new key is shown once; the old one stops.")
    async def rotate_stream_key(self, info: Info, id: strawberry.ID) -> LiveStreamCredentials:
        context = info.context
        viewer = await context.require_viewer()
        credentials = await run_sync(context.services.live.rotate_key, parse_id(id), viewer.user_id)
        await settled(context, credentials.position)
        return LiveStreamCredentials(
            stream=await read_stream(context, credentials.stream_id),
            ingest_url=ingest_url(context),
            stream_key=credentials.stream_key,
        )

    @strawberry.mutation
    async def end_live_stream(self, info: Info, id: strawberry.ID) -> LiveStreamType:
        context = info.context
        viewer = await context.require_viewer()
        stream_id = parse_id(id)
        position = await run_sync(context.services.live.end_stream, stream_id, viewer.user_id)
        await settled(context, position)
        await room_state(context, stream_id, closed=True)
        return await read_stream(context, stream_id)


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description="The stream each time it changes.")
    async def live_stream(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[LiveStreamType, None]:
        services = info.context.services
        stream_id = parse_id(id)
        await read_stream(info.context, stream_id)  # NOT_FOUND before subscribing
        channel = channel_name(services.settings.redis_namespace, "live", stream_id)
        seen = {  # read before subscribing
            "live": await services.live_streams.position("live"),
            "chat": await services.chat_rooms.position("chat"),
        }
        async for _ in fresh_announcements(services.pubsub.listen(channel), seen):
            record = await services.live_streams.stream(stream_id)
            if record is not None:
                yield LiveStreamType.from_record(record)
