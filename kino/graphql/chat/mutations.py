"""Mutations of the chat context: send, delete, and the streamer's moderation."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVarTuple, Unpack
from uuid import UUID

import strawberry

from kino.commands.base import run_sync
from kino.graphql.chat.types import ChatMessageType, settled
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.live.types import LiveStreamType, read_stream

Arguments = TypeVarTuple("Arguments")


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
        chat = info.context.container.chat.app
        user = parse_id(user_id, "userId")
        await moderate(info, chat.ban_user, stream_id, user, duration_seconds)
        return True

    @strawberry.mutation(description="The stream's owner: lift a ban (true also if none).")
    async def unban_chat_user(
        self, info: Info, stream_id: strawberry.ID, user_id: strawberry.ID
    ) -> bool:
        chat = info.context.container.chat.app
        await moderate(info, chat.unban_user, stream_id, parse_id(user_id, "userId"))
        return True

    @strawberry.mutation(description="The stream's owner; 0 (off) to 300 seconds.")
    async def set_chat_slow_mode(
        self, info: Info, stream_id: strawberry.ID, seconds: int
    ) -> LiveStreamType:
        chat = info.context.container.chat.app
        room_id = await moderate(info, chat.set_slow_mode, stream_id, seconds)
        return await read_stream(info.context, room_id)


async def moderate(
    info: Info,
    command: Callable[[UUID, UUID, Unpack[Arguments]], int | None],
    stream_id: strawberry.ID,
    *arguments: *Arguments,
) -> UUID:
    """One of the stream owner's commands on its room (the room checks who may), then wait
    until the chat's read model shows it. Returns the room's (the stream's) id."""
    viewer = await info.context.require_viewer()
    room_id = parse_id(stream_id, "streamId")
    position = await run_sync(command, room_id, viewer.user_id, *arguments)
    await settled(info.context, position)
    return room_id
