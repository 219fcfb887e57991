"""Queries of the chat context: a room's recent messages, and its bans for the owner."""

from __future__ import annotations

import strawberry

from kino.domain.chat import HISTORY_CAP
from kino.domain.errors import BadInputError, ForbiddenError
from kino.graphql.accounts.types import UserType
from kino.graphql.chat.types import ChatBanType, ChatMessageType, room_of
from kino.graphql.context import Info
from kino.graphql.ids import parse_id


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
        await room_of(info.context, room_id)
        container = info.context.container
        records = await container.chat.rooms.recent(room_id, last)
        users = await container.accounts.users.by_ids(list({r.author_id for r in records}))
        messages = []
        for record in records:
            message = ChatMessageType.from_record(record)
            user = users.get(record.author_id)
            message._author = UserType.from_record(user) if user else None
            messages.append(message)
        return messages

    @strawberry.field(description="The stream's owner only: who is banned from its chat now.")
    async def chat_bans(self, info: Info, stream_id: strawberry.ID) -> list[ChatBanType]:
        viewer = await info.context.require_viewer()
        room_id = parse_id(stream_id, "streamId")
        room = await room_of(info.context, room_id)
        if room.owner_id != viewer.user_id:
            raise ForbiddenError("Only the stream's owner can see its chat's bans.")
        bans = await info.context.container.chat.rooms.bans(room_id)
        return [ChatBanType(until=ban.until, _user_id=ban.user_id) for ban in bans]
