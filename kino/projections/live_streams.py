"""The live streams read model (Redis): a stream by id, newest first, live ones.

Each change is also announced on the stream's pub/sub channel (in the same
atomic call as the update) with the notification id, so a ``liveStream``
subscription re-reads the stream only after the read model shows the change.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from eventsourcing.dispatch import singledispatchmethod
from eventsourcing.persistence import Tracking
from eventsourcing.projection import Projection

from kino.domain.live import LiveStatus, LiveStream
from kino.infrastructure.pubsub import channel_name
from kino.projections.readable import view_json
from kino.projections.redis_view import RedisOp, RedisView

# A replay (Redis lost its data) must not flood today's subscribers with old news.
PUBLISH_HORIZON = timedelta(minutes=5)


def namespace_of(prefix: str) -> str:
    return prefix.split(":", 1)[0]


def announcement(
    event: Any, tracking: Tracking, channel: str, payload: Mapping[str, object]
) -> list[RedisOp]:
    """A PUBLISH op, unless the event is too old to be news (a replay)."""
    if datetime.now(UTC) - event.timestamp > PUBLISH_HORIZON:
        return []
    body = {"app": tracking.application_name, "position": tracking.notification_id, **payload}
    return [("PUBLISH", channel, view_json(body))]


class LiveStreamView(RedisView):
    def channel(self, stream_id: UUID) -> str:
        return channel_name(namespace_of(self.prefix), "live", stream_id)

    def update(
        self, event: Any, tracking: Tracking, fields: dict[str, object], *extra: RedisOp
    ) -> None:
        stream_id = event.originator_id
        flat: list[object] = []
        for name, value in fields.items():
            flat.extend([name, str(value)])
        ops: list[RedisOp] = [("HSET", self.key("stream", stream_id), *flat), *extra]
        ops += announcement(event, tracking, self.channel(stream_id), {"id": str(stream_id)})
        self.apply(tracking, ops)

    def created(self, event: LiveStream.Created, tracking: Tracking) -> None:
        fields: dict[str, object] = {
            "id": event.originator_id,
            "owner_id": event.owner_id,
            "title": event.title,
            "description": event.description,
            "status": LiveStatus.OFFLINE.value,
            "created_at": event.timestamp.isoformat(),
        }
        when = event.timestamp.timestamp()
        created = ("ZADD", self.key("created"), when, event.originator_id)
        owned = ("ZADD", self.key("owner", event.owner_id), when, event.originator_id)
        self.update(event, tracking, fields, created, owned)

    def went_live(self, event: LiveStream.WentLive, tracking: Tracking) -> None:
        stream_key = self.key("stream", event.originator_id)
        fields: dict[str, object] = {"status": LiveStatus.LIVE.value}
        if not self.redis.hexists(stream_key, "started_at"):
            fields["started_at"] = event.timestamp.isoformat()
        live = ("ZADD", self.key("live"), event.timestamp.timestamp(), event.originator_id)
        self.update(event, tracking, fields, live)

    def went_offline(self, event: LiveStream.WentOffline, tracking: Tracking) -> None:
        fields: dict[str, object] = {"status": LiveStatus.OFFLINE.value}
        self.update(event, tracking, fields, ("ZREM", self.key("live"), event.originator_id))

    def ended(self, event: LiveStream.Ended, tracking: Tracking) -> None:
        fields: dict[str, object] = {
            "status": LiveStatus.ENDED.value,
            "ended_at": event.timestamp.isoformat(),
        }
        self.update(event, tracking, fields, ("ZREM", self.key("live"), event.originator_id))

    def recording_saved(self, event: LiveStream.RecordingSaved, tracking: Tracking) -> None:
        self.update(event, tracking, {"recording_id": event.video_id})


class LiveStreamProjection(Projection[LiveStreamView]):
    name = "live_streams"

    @singledispatchmethod
    def process_event(self, domain_event: Any, tracking: Tracking) -> None:
        self.view.insert_tracking(tracking)

    @process_event.register
    def _(self, domain_event: LiveStream.Created, tracking: Tracking) -> None:
        self.view.created(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: LiveStream.WentLive, tracking: Tracking) -> None:
        self.view.went_live(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: LiveStream.WentOffline, tracking: Tracking) -> None:
        self.view.went_offline(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: LiveStream.Ended, tracking: Tracking) -> None:
        self.view.ended(domain_event, tracking)

    @process_event.register
    def _(self, domain_event: LiveStream.RecordingSaved, tracking: Tracking) -> None:
        self.view.recording_saved(domain_event, tracking)
