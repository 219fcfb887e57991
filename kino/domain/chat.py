"""The chat context: a room per live stream and one aggregate per message.

The room holds moderation state only (owner, slow mode, bans, closed); messages
are separate aggregates, so posting never contends on the room and no aggregate
grows with the conversation.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import BadInputError, ForbiddenError, NotFoundError
from kino.domain.text import TextRule

MAX_BODY_LENGTH = 500
MAX_SLOW_MODE_SECONDS = 300
HISTORY_CAP = 500  # messages a room's history keeps (the newest)

# One line, 1-500 characters, no control characters (nor the bidi controls that disguise text).
BODY = TextRule(
    field="body", name="The message", max_length=MAX_BODY_LENGTH, required="Type a message first."
)


def check_slow_mode(seconds: int) -> int:
    if not 0 <= seconds <= MAX_SLOW_MODE_SECONDS:
        raise BadInputError(
            f"Slow mode is 0 (off) to {MAX_SLOW_MODE_SECONDS} seconds.", field="seconds"
        )
    return seconds


class ChatRoom(Aggregate):
    """The chat of one live stream; its id is the stream's id."""

    class Opened(Aggregate.Created):
        stream_id: UUID
        owner_id: UUID

    class SlowModeSet(Aggregate.Event):
        seconds: int

    class UserBanned(Aggregate.Event):
        user_id: UUID
        until: datetime | None

    class UserUnbanned(Aggregate.Event):
        user_id: UUID

    class Closed(Aggregate.Event):
        pass

    @staticmethod
    def create_id(stream_id: UUID) -> UUID:
        return stream_id

    @event(Opened)
    def __init__(self, stream_id: UUID, owner_id: UUID) -> None:
        self.owner_id = owner_id
        self.slow_mode_seconds = 0
        self.bans: dict[UUID, datetime | None] = {}
        self.closed = False

    def is_moderator(self, user_id: UUID) -> bool:
        return user_id == self.owner_id

    def check_moderator(self, user_id: UUID) -> None:
        if not self.is_moderator(user_id):
            raise ForbiddenError("Only the stream's owner can moderate its chat.")

    def is_banned(self, user_id: UUID, now: datetime) -> bool:
        if user_id not in self.bans:
            return False
        until = self.bans[user_id]
        return until is None or until > now

    def check_can_post(self, author_id: UUID, now: datetime) -> None:
        if self.closed:
            raise ForbiddenError("This stream has ended; its chat is closed.")
        if self.is_banned(author_id, now):
            until = self.bans[author_id]
            when = f" until {until.isoformat(timespec='seconds')}" if until else ""
            raise ForbiddenError(f"You are banned from this chat{when}.")

    def set_slow_mode(self, actor_id: UUID, seconds: int) -> None:
        self.check_moderator(actor_id)
        self._check_open()
        seconds = check_slow_mode(seconds)
        if seconds != self.slow_mode_seconds:
            self._set_slow_mode(seconds=seconds)

    def ban(self, actor_id: UUID, user_id: UUID, until: datetime | None) -> None:
        self.check_moderator(actor_id)
        if user_id == self.owner_id:
            raise BadInputError("The stream's owner cannot be banned.", field="userId")
        self._ban(user_id=user_id, until=until)

    def unban(self, actor_id: UUID, user_id: UUID) -> None:
        """Lift a ban (nothing happens for a user who is not banned)."""
        self.check_moderator(actor_id)
        if user_id in self.bans:
            self._unban(user_id=user_id)

    def close(self) -> None:
        if not self.closed:
            self._close()

    def _check_open(self) -> None:
        if self.closed:
            raise ForbiddenError("This stream has ended; its chat is closed.")

    @event(SlowModeSet)
    def _set_slow_mode(self, seconds: int) -> None:
        self.slow_mode_seconds = seconds

    @event(UserBanned)
    def _ban(self, user_id: UUID, until: datetime | None) -> None:
        self.bans[user_id] = until

    @event(UserUnbanned)
    def _unban(self, user_id: UUID) -> None:
        del self.bans[user_id]

    @event(Closed)
    def _close(self) -> None:
        self.closed = True


class ChatMessage(Aggregate):
    class Posted(Aggregate.Created):
        stream_id: UUID
        author_id: UUID
        body: str

    class Deleted(Aggregate.Event):
        stream_id: UUID
        deleted_by: UUID

    @event(Posted)
    def __init__(self, stream_id: UUID, author_id: UUID, body: str) -> None:
        self.stream_id = stream_id
        self.author_id = author_id
        self.body = body
        self.deleted = False

    def delete(self, actor_id: UUID, room: ChatRoom) -> None:
        if self.deleted:
            raise NotFoundError("That message was already deleted.")
        if actor_id != self.author_id and not room.is_moderator(actor_id):
            raise ForbiddenError("Only the author or the stream's owner can delete a message.")
        self._delete(stream_id=self.stream_id, deleted_by=actor_id)

    @event(Deleted)
    def _delete(self, stream_id: UUID, deleted_by: UUID) -> None:
        self.deleted = True
