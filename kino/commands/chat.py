"""The chat application: posting (in batches), deleting, moderation.

It is also the process that opens a stream's room when the stream is created
and closes it when the stream ends (docs/adr/0004-chat-room-lifecycle.md): as an
``EventSourcedProjection`` of the live application, the room's events are
recorded atomically with the tracking position of the live event that caused them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.application import ProcessingEvent
from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.projection import EventSourcedProjection
from eventsourcing.utils import EnvType, get_topic

from kino.commands.base import KinoApplication, last_position
from kino.domain.chat import BODY, ChatMessage, ChatRoom
from kino.domain.errors import BadInputError, KinoError, NotFoundError
from kino.domain.live import LiveStream

MAX_BAN_SECONDS = 366 * 24 * 3600


@dataclass(frozen=True)
class PostRequest:
    stream_id: UUID
    author_id: UUID
    body: str


@dataclass(frozen=True)
class PostedMessage:
    id: UUID
    stream_id: UUID
    author_id: UUID
    body: str
    created_at: datetime
    position: int


class ChatRooms(KinoApplication, EventSourcedProjection[UUID]):
    name = "chat"
    topics = (get_topic(LiveStream.Created), get_topic(LiveStream.Ended))

    def __init__(
        self,
        env: EnvType | None = None,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(env)
        self.clock = clock

    @singledispatchmethod
    def policy(self, domain_event: Any, processing_event: ProcessingEvent[UUID]) -> None:
        """Other live events do not concern the chat."""

    @policy.register
    def _(self, domain_event: LiveStream.Created, processing_event: ProcessingEvent[UUID]) -> None:
        room = ChatRoom(stream_id=domain_event.originator_id, owner_id=domain_event.owner_id)
        processing_event.collect_events(room)

    @policy.register
    def _(self, domain_event: LiveStream.Ended, processing_event: ProcessingEvent[UUID]) -> None:
        try:
            room = self.get_room(domain_event.originator_id)
        except NotFoundError:
            return  # a stream from before chat existed: nothing to close
        room.close()
        processing_event.collect_events(room)

    def post_messages(self, requests: Sequence[PostRequest]) -> list[PostedMessage | KinoError]:
        """Group commit: every acceptable message in one ``save()``; each refusal stays its own."""
        now = self.clock()
        rooms: dict[UUID, ChatRoom | KinoError] = {}
        outcomes: list[ChatMessage | KinoError] = []
        for request in requests:
            try:
                room = rooms.get(request.stream_id)
                if room is None:
                    room = rooms[request.stream_id] = self._room_or_error(request.stream_id)
                if isinstance(room, KinoError):
                    raise room
                room.check_can_post(request.author_id, now)
                body = BODY.clean(request.body)
                outcomes.append(ChatMessage(request.stream_id, request.author_id, body))
            except KinoError as error:
                outcomes.append(error)
        messages = [outcome for outcome in outcomes if isinstance(outcome, ChatMessage)]
        if not messages:
            return [outcome for outcome in outcomes if isinstance(outcome, KinoError)]
        recordings = self.save(*messages)
        positions = {r.domain_event.originator_id: r.notification.id for r in recordings}
        return [
            outcome
            if isinstance(outcome, KinoError)
            else PostedMessage(
                outcome.id,
                outcome.stream_id,
                outcome.author_id,
                outcome.body,
                outcome.created_on,
                positions[outcome.id],
            )
            for outcome in outcomes
        ]

    def post_message(self, request: PostRequest) -> PostedMessage:
        """One message, one save (the baseline the group commit is measured against)."""
        (outcome,) = self.post_messages([request])
        if isinstance(outcome, KinoError):
            raise outcome
        return outcome

    def delete_message(self, message_id: UUID, actor_id: UUID) -> tuple[UUID, int]:
        """Delete a message (its author or the stream's owner): (stream id, position)."""
        message = self.get_as(
            message_id, ChatMessage, NotFoundError("There is no such chat message.")
        )
        message.delete(actor_id, self.get_room(message.stream_id))
        return message.stream_id, last_position(self.save(message))

    def ban_user(
        self, stream_id: UUID, actor_id: UUID, user_id: UUID, duration_seconds: int | None
    ) -> int | None:
        if duration_seconds is not None and not 1 <= duration_seconds <= MAX_BAN_SECONDS:
            raise BadInputError(
                "A ban lasts 1 second to 366 days (or omit it to ban for good).",
                field="durationSeconds",
            )
        room = self.get_room(stream_id)
        until = None
        if duration_seconds is not None:
            until = self.clock() + timedelta(seconds=duration_seconds)
        room.ban(actor_id, user_id, until)
        return last_position(self.save(room))

    def unban_user(self, stream_id: UUID, actor_id: UUID, user_id: UUID) -> int | None:
        room = self.get_room(stream_id)
        room.unban(actor_id, user_id)
        recordings = self.save(room)
        return last_position(recordings) if recordings else None

    def set_slow_mode(self, stream_id: UUID, actor_id: UUID, seconds: int) -> int | None:
        room = self.get_room(stream_id)
        room.set_slow_mode(actor_id, seconds)
        recordings = self.save(room)
        return last_position(recordings) if recordings else None

    def get_room(self, stream_id: UUID) -> ChatRoom:
        return self.get_as(stream_id, ChatRoom, NotFoundError("There is no such live stream."))

    def _room_or_error(self, stream_id: UUID) -> ChatRoom | KinoError:
        try:
            return self.get_room(stream_id)
        except KinoError as error:
            return error
