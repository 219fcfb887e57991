"""Mutations of the chat context: send, delete, and the streamer's moderation."""

from __future__ import annotations

import strawberry

from kino.commands.base import run_sync
from kino.graphql.chat.types import ChatMessageType, settled
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.live.types import LiveStreamType, read_stream


@strawberry.type
class ChatMutation:
    @strawberry.mutation
    async def send_chat_message(
        self, info: Info, stream_id: strawberry.ID, body: str
    ) -> ChatMessageType:
        viewer = await info.context.require_viewer()
        posted = await info.context.container.chat.chatting.send(
            viewer.user_id, parse_id(stream_id, "streamId"), bounded(body, "body", 4000)
        )
        await settled(info.context, posted.position)
        return ChatMessageType.from_record(posted)

    @strawberry.mutation(description="The author or the stream's owner.")
    async def delete_chat_message(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        chat = info.context.container.chat.app
        _, position = await run_sync(chat.delete_message, parse_id(id), viewer.user_id)
        await settled(info.context, position)
        return True

    @strawberry.mutation(description="The stream's owner; without a duration the ban is for good.")
    async def ban_chat_user(
        self,
        info: Info,
        stream_id: strawberry.ID,
        user_id: strawberry.ID,
        duration_seconds: int | None = None,
    ) -> bool:
        viewer = await info.context.require_viewer()
        position = await run_sync(
            info.context.container.chat.app.ban_user,
            parse_id(stream_id, "streamId"),
            viewer.user_id,
            parse_id(user_id, "userId"),
            duration_seconds,
        )
        await settled(info.context, position)
        return True

    @strawberry.mutation(description="The stream's owner; 0 (off) to 300 seconds.")
    async def set_chat_slow_mode(
        self, info: Info, stream_id: strawberry.ID, seconds: int
    ) -> LiveStreamType:
        viewer = await info.context.require_viewer()
        room_id = parse_id(stream_id, "streamId")
        chat = info.context.container.chat.app
        position = await run_sync(chat.set_slow_mode, room_id, viewer.user_id, seconds)
        await settled(info.context, position)
        return await read_stream(info.context, room_id)
