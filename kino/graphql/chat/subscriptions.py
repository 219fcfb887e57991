"""The ``chat(streamId)`` subscription: messages posted and deleted, in the room's order."""

from __future__ import annotations

from collections.abc import AsyncGenerator

import strawberry

from kino.graphql.announcements import baseline, fresh_announcements, starting_point
from kino.graphql.chat.types import (
    ChatEvent,
    ChatMessageDeleted,
    ChatMessagePosted,
    ChatMessageType,
    room_of,
)
from kino.graphql.context import Info
from kino.graphql.ids import parse_id
from kino.queries.chat import ChatMessageRecord


@strawberry.type
class ChatSubscription:
    @strawberry.subscription(description="Messages posted and deleted, in the room's order.")
    async def chat(self, info: Info, stream_id: strawberry.ID) -> AsyncGenerator[ChatEvent, None]:
        container = info.context.container
        chat, realtime = container.chat, container.realtime
        room_id = parse_id(stream_id, "streamId")
        await room_of(info.context, room_id)
        channel = realtime.channels.chat(room_id)

        async def start() -> dict[str, int]:
            positions = {chat.app.name: await chat.rooms.position(chat.app.name)}
            return baseline(positions, realtime.pubsub.delivered_positions(channel))

        marks = info.context.run_marks
        seen = await starting_point(start, marks)  # before listening
        messages = realtime.pubsub.listen(channel)
        async for event in fresh_announcements(messages, seen, marks):
            posted = event.get("message")
            if event.get("type") == "posted" and isinstance(posted, dict):
                record = ChatMessageRecord.from_json(posted)
                yield ChatMessagePosted(message=ChatMessageType.from_record(record))
            elif event.get("type") == "deleted":
                yield ChatMessageDeleted(message_id=strawberry.ID(str(event["messageId"])))
