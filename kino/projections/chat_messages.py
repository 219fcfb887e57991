"""The chat read model (Redis): each room's moderation settings and recent history.

Bans are kept per room for its owner's list.
History is capped per room (``HISTORY_CAP`` newest messages, ordered by
notification id). Every posted or deleted message is published on the room's
channel in the same atomic call that updates the history, so a subscriber never
hears of a message the history does not show yet. Slow-mode changes and the
room closing are announced on the stream's channel (``LiveStream`` shows them).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.domain.chat import HISTORY_CAP, ChatMessage, ChatRoom
from kino.infrastructure.pubsub import channel_name
from kino.projections.live_streams import announcement, namespace_of
from kino.projections.readable import view_json
from kino.projections.redis_view import RedisOp, RedisView, trim_op

_TRIM_SLACK = 50  # trim in steps, not on every message


class ChatView(RedisView):
    def channel(self, kind: str, stream_id: UUID) -> str:
        return channel_name(namespace_of(self.prefix), kind, stream_id)

    def room_changed(self, event: Any, tracking: Tracking, *fields: str | int) -> None:
        stream_id = event.originator_id
        ops: list[RedisOp] = [("HSET", self.key("room", stream_id), *fields)]
        ops += announcement(
            event, tracking, self.channel("live", stream_id), {"id": str(stream_id)}
        )
        self.apply(tracking, ops)

    def banned(self, event: ChatRoom.UserBanned, tracking: Tracking) -> None:
        """The room's bans, for its owner's list: user id → until (empty: for good)."""
        until = event.until.isoformat() if event.until else ""
        bans = self.key("bans", event.originator_id)
        self.apply(tracking, [("HSET", bans, str(event.user_id), until)])

    def unbanned(self, event: ChatRoom.UserUnbanned, tracking: Tracking) -> None:
        bans = self.key("bans", event.originator_id)
        self.apply(tracking, [("HDEL", bans, str(event.user_id))])

    def posted(self, event: ChatMessage.Posted, tracking: Tracking) -> None:
        message = {
            "id": str(event.originator_id),
            "streamId": str(event.stream_id),
            "authorId": str(event.author_id),
            "body": event.body,
            "createdAt": event.timestamp.isoformat(),
        }
        order, bodies = self.key("order", event.stream_id), self.key("messages", event.stream_id)
        ops: list[RedisOp] = [
            ("ZADD", order, tracking.notification_id, str(event.originator_id)),
            ("HSET", bodies, str(event.originator_id), view_json(message)),
        ]
        ops += self._trim(order, bodies)
        payload = {"type": "posted", "message": message}
        ops += announcement(event, tracking, self.channel("chat", event.stream_id), payload)
        self.apply(tracking, ops)

    def deleted(self, event: ChatMessage.Deleted, tracking: Tracking) -> None:
        message_id = str(event.originator_id)
        ops: list[RedisOp] = [
            ("ZREM", self.key("order", event.stream_id), message_id),
            ("HDEL", self.key("messages", event.stream_id), message_id),
        ]
        payload = {"type": "deleted", "messageId": message_id}
        ops += announcement(event, tracking, self.channel("chat", event.stream_id), payload)
        self.apply(tracking, ops)

    def _trim(self, order: str, bodies: str) -> list[RedisOp]:
        """Drop the oldest beyond the cap, counted in the same script call as the write (a
        count read here would miss the writes still queued in a rebuild's batch)."""
        return [trim_op(order, bodies, HISTORY_CAP, _TRIM_SLACK)]


class ChatProjection(Projection[ChatView]):
    name = "chat_messages"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: ChatRoom.Opened, tracking: Tracking) -> None:
        owner = str(domain_event.owner_id)
        self.view.room_changed(domain_event, tracking, "owner_id", owner, "slow_mode", 0)

    @process_event.register
    def _(self, domain_event: ChatRoom.SlowModeSet, tracking: Tracking) -> None:
        self.view.room_changed(domain_event, tracking, "slow_mode", domain_event.seconds)

    @process_event.register
    def _(self, domain_event: ChatRoom.UserBanned, tracking: Tracking) -> None:
        self.view.banned(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: ChatRoom.UserUnbanned, tracking: Tracking) -> None:
        self.view.unbanned(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: ChatRoom.Closed, tracking: Tracking) -> None:
        self.view.room_changed(domain_event, tracking, "closed", 1)

    @process_event.register
    def _(self, domain_event: ChatMessage.Posted, tracking: Tracking) -> None:
        self.view.posted(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: ChatMessage.Deleted, tracking: Tracking) -> None:
        self.view.deleted(domain_event, tracking)
