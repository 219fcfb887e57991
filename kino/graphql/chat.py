"""GraphQL for chat: history, sending, moderation, and the ``chat`` subscription."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from kino.commands.chat import PostedMessage, PostRequest
from kino.domain.chat import BODY
from kino.domain.errors import BadInputError, ForbiddenError, KinoError, NotFoundError
from kino.graphql.accounts import UserType, load_user
from kino.graphql.context import Info, KinoContext, run_sync, wait_for_position
from kino.graphql.ids import fresh_announcements, parse_id
from kino.graphql.inputs import bounded
from kino.graphql.live import LiveStreamType, read_stream
from kino.infrastructure.pubsub import channel_name
from kino.projections.chat_messages import HISTORY_CAP
from kino.queries.chat import ChatMessageRecord, ChatRoomRecord


@strawberry.type(name="ChatMessage")
class ChatMessageType:
    id: strawberry.ID
    stream_id: strawberry.ID
    body: str
    created_at: datetime
    _author_id: strawberry.Private[UUID]
    _author: strawberry.Private[UserType | None] = None

    @strawberry.field
    async def author(self, info: Info) -> UserType:
        author = self._author or await load_user(info.context, self._author_id)
        if author is None:
            raise KinoError("The message's author could not be read.")
        return author

    @classmethod
    def from_record(cls, record: ChatMessageRecord | PostedMessage) -> ChatMessageType:
        return cls(
            id=strawberry.ID(str(record.id)),
            stream_id=strawberry.ID(str(record.stream_id)),
            body=record.body,
            created_at=record.created_at,
            _author_id=record.author_id,
        )


@strawberry.type
class ChatMessagePosted:
    message: ChatMessageType


@strawberry.type
class ChatMessageDeleted:
    message_id: strawberry.ID


ChatEvent = Annotated[ChatMessagePosted | ChatMessageDeleted, strawberry.union("ChatEvent")]


async def open_room(context: KinoContext, stream_id: UUID) -> ChatRoomRecord:
    room = await context.services.chat_rooms.room(stream_id)
    if room is None:
        raise NotFoundError("There is no such live stream.")
    return room


async def settled(context: KinoContext, position: int | None) -> None:
    if position is not None:
        rooms = context.services.chat_rooms
        await wait_for_position(lambda: rooms.position("chat"), position)


@strawberry.type
class ChatQuery:
    @strawberry.field(description="The most recent messages, oldest first.")
    async def chat_messages(
        self, info: Info, stream_id: strawberry.ID, last: int | None = 50
    ) -> list[ChatMessageType]:
        last = 50 if last is None else last
        if not 1 <= last <= HISTORY_CAP:
            raise BadInputError(f"last must be between 1 and {HISTORY_CAP}.", field="last")
        room_id = parse_id(stream_id, "streamId")
        await open_room(info.context, room_id)
        records = await info.context.services.chat_rooms.recent(room_id, last)
        users = await info.context.services.users.by_ids(list({r.author_id for r in records}))
        messages = []
        for record in records:
            message = ChatMessageType.from_record(record)
            user = users.get(record.author_id)
            message._author = UserType.from_record(user) if user else None
            messages.append(message)
        return messages


@strawberry.type
class ChatMutation:
    @strawberry.mutation
    async def send_chat_message(
        self, info: Info, stream_id: strawberry.ID, body: str
    ) -> ChatMessageType:
        context = info.context
        services = context.services
        viewer = await context.require_viewer()
        room_id = parse_id(stream_id, "streamId")
        text = BODY.clean(bounded(body, "body", 4000))
        room = await open_room(context, room_id)
        if room.closed:
            raise ForbiddenError("This stream has ended; its chat is closed.")
        slow = 0 if room.owner_id == viewer.user_id else room.slow_mode_seconds
        reservation = await services.chat_limits.reserve(room_id, viewer.user_id, slow)
        try:
            posted = await services.chat_commit.submit(PostRequest(room_id, viewer.user_id, text))
        except KinoError:
            await services.chat_limits.release(reservation)
            raise
        await settled(context, posted.position)
        return ChatMessageType.from_record(posted)

    @strawberry.mutation(description="The author or the stream's owner.")
    async def delete_chat_message(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        chat = info.context.services.chat
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
        chat = info.context.services.chat
        position = await run_sync(
            chat.ban_user,
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
        chat = info.context.services.chat
        position = await run_sync(chat.set_slow_mode, room_id, viewer.user_id, seconds)
        await settled(info.context, position)
        return await read_stream(info.context, room_id)


@strawberry.type
class ChatSubscription:
    @strawberry.subscription(description="Messages posted and deleted, in the room's order.")
    async def chat(self, info: Info, stream_id: strawberry.ID) -> AsyncGenerator[ChatEvent, None]:
        services = info.context.services
        room_id = parse_id(stream_id, "streamId")
        await open_room(info.context, room_id)
        channel = channel_name(services.settings.redis_namespace, "chat", room_id)
        seen = {"chat": await services.chat_rooms.position("chat")}  # read before subscribing
        async for event in fresh_announcements(services.pubsub.listen(channel), seen):
            if event.get("type") == "posted":
                record = ChatMessageRecord.from_json(event["message"])  # type: ignore[arg-type]
                yield ChatMessagePosted(message=ChatMessageType.from_record(record))
            elif event.get("type") == "deleted":
                yield ChatMessageDeleted(message_id=strawberry.ID(str(event["messageId"])))
