"""The ``liveStream(id)`` subscription: the stream each time its read model changes."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from kino.graphql.announcements import baseline, fresh_announcements, starting_point
from kino.graphql.context import Info
from kino.graphql.ids import parse_id
from kino.graphql.live.types import LiveStreamType, read_stream


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description="The stream each time it changes.")
    async def live_stream(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[LiveStreamType, None]:
        container = info.context.container
        live, chat, realtime = container.live, container.chat, container.realtime
        stream_id = parse_id(id)
        await read_stream(info.context, stream_id)  # NOT_FOUND before subscribing
        channel = realtime.channels.live(stream_id)

        async def start() -> dict[str, int]:
            positions = {
                live.app.name: await live.streams.position(live.app.name),
                chat.app.name: await chat.rooms.position(chat.app.name),
            }
            return baseline(positions, realtime.pubsub.delivered_positions(channel))

        marks = info.context.run_marks
        seen = await starting_point(start, marks)  # before listening
        messages = realtime.pubsub.listen(channel)
        async for _ in fresh_announcements(messages, seen, marks):
            record = await live.streams.stream(stream_id)
            if record is not None:
                yield LiveStreamType.from_record(record)
