"""GraphQL types of the chat context (the contract's ChatMessage and ChatEvent)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import strawberry

from kino.commands.chat import PostedMessage
from kino.commands.chatting import RoomEntry, open_room
from kino.domain.errors import KinoError
from kino.graphql.accounts.types import UserType, load_user
from kino.graphql.context import Info, KinoContext, wait_for_position
from kino.queries.chat import ChatMessageRecord


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


async def room_of(context: KinoContext, stream_id: UUID) -> RoomEntry:
    """The stream's chat room; NOT_FOUND when there is no such stream."""
    return await open_room(context.container.chat.rooms, stream_id)


async def settled(context: KinoContext, position: int | None) -> None:
    if position is not None:
        chat = context.container.chat
        await wait_for_position(lambda: chat.rooms.position(chat.app.name), position)
