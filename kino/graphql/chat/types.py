"""GraphQL types of the chat context (the contract's ChatMessage and ChatEvent)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from kino.commands.chat import PostedMessage
from kino.commands.chatting import RoomEntry, open_room
from kino.graphql.accounts.types import UserType, required_user
from kino.graphql.context import Info, KinoContext
from kino.queries.chat import ChatMessageRecord
from kino.queries.positions import caught_up


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
        return self._author or await required_user(
            info.context, self._author_id, "message's author"
        )

    @classmethod
    def from_record(cls, record: ChatMessageRecord | PostedMessage) -> ChatMessageType:
        return cls(
            id=strawberry.ID(str(record.id)),
            stream_id=strawberry.ID(str(record.stream_id)),
            body=record.body,
            created_at=record.created_at,
            _author_id=record.author_id,
        )


@strawberry.type(name="ChatBan")
class ChatBanType:
    until: datetime | None = strawberry.field(description="Null: banned for good.")
    _user_id: strawberry.Private[UUID]

    @strawberry.field
    async def user(self, info: Info) -> UserType:
        return await required_user(info.context, self._user_id, "banned user")


@strawberry.type
class ChatMessagePosted:
    message: ChatMessageType


@strawberry.type
class ChatMessageDeleted:
    message_id: strawberry.ID


ChatEvent = Annotated[ChatMessagePosted | ChatMessageDeleted, strawberry.union("ChatEvent")]


async def room_of(context: KinoContext, stream_id: UUID) -> RoomEntry:
    """The stream's chat room; NOT_FOUND when there is no such stream."""
    return await open_room(context.container.chat.rooms, stream_id)


async def settled(context: KinoContext, position: int | None) -> None:
    chat = context.container.chat
    await caught_up(chat.rooms, chat.app.name, position)
