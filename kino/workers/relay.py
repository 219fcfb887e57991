"""`kino relay`: follows the ``videos`` notification log and publishes integration events.

At least once: an event is published to JetStream (and acknowledged by it) before its
notification id is recorded in the ``relay_tracking`` table, so a restart resumes after
the last recorded id and may publish the last few again; the ``Nats-Msg-Id`` header
(``videos-<notification id>``) lets JetStream drop those duplicates (within its two-minute
duplicate window). Two relay replicas are therefore safe, though one is enough.

A completed upload becomes a transcoding job in the lane of its owner's fair-share level
(``kino.infrastructure.fair_share``): the job carries ``owner_id`` and ``level``, read from the
video (the stored events keep their shape). The bodies are ``kino.infrastructure.messages``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping, Sequence
from enum import StrEnum
from uuid import UUID

import structlog
from eventsourcing.persistence import IntegrityError, Notification, Tracking
from eventsourcing.utils import get_topic

from kino.bootstrap.workers import RelayParts, build_relay_parts
from kino.commands.videos import Videos
from kino.domain.videos import Video
from kino.infrastructure import metrics
from kino.infrastructure.broker import Lane
from kino.infrastructure.messages import TranscodeJobMessage, VideoEventMessage
from kino.infrastructure.settings import Settings
from kino.infrastructure.tracing import inject_headers, resumed_span
from kino.workers.process import run_worker

log = structlog.get_logger(__name__)


class Route(StrEnum):
    """Where a relayed event goes."""

    CREATED = "created"  # the expiry consumer
    UPLOADED = "uploaded"  # a transcoding job, in its fair-share lane
    REMOVED = "removed"  # the janitor


ROUTES = {
    get_topic(Video.UploadCreated): Route.CREATED,
    get_topic(Video.UploadCompleted): Route.UPLOADED,
    get_topic(Video.Failed): Route.REMOVED,
    get_topic(Video.Deleted): Route.REMOVED,
}
BATCH = 100


class Relay:
    def __init__(self, parts: RelayParts) -> None:
        self.parts = parts
        self.videos, self.stream, self.subjects = parts.videos, parts.stream, parts.stream.subjects
        self.position = 0

    async def start(self) -> None:
        await self.stream.ensure()
        await self.parts.broker.start()
        self.position = await asyncio.to_thread(self._recorded_position)

    def _recorded_position(self) -> int:
        return self.parts.tracking.max_tracking_id(Videos.name) or 0

    def describe(self) -> Mapping[str, object]:
        return {"position": self.position, "stream": self.subjects.stream}

    async def pump(self) -> int:
        """Publish what is new since the last recorded position; returns how many."""
        notifications = await self._relayable(BATCH)
        for notification in notifications:
            await self._publish(notification)
            # IntegrityError: another relay replica recorded it first; JetStream dropped our copy.
            with contextlib.suppress(IntegrityError):
                await asyncio.to_thread(
                    self.parts.tracking.insert_tracking, Tracking(Videos.name, notification.id)
                )
            self.position = notification.id
        return len(notifications)

    async def backlog(self, limit: int = 10_000) -> int:
        """Relayable events not yet published (capped at ``limit``)."""
        return len(await self._relayable(limit))

    async def _relayable(self, limit: int) -> Sequence[Notification]:
        return await asyncio.to_thread(
            self.videos.recorder.select_notifications,
            self.position + 1,
            limit,
            topics=list(ROUTES),
        )

    async def _publish(self, notification: Notification) -> None:
        route = ROUTES[notification.topic]
        message = VideoEventMessage(
            video_id=_as_uuid(notification.originator_id),
            event=notification.topic.rpartition(".")[2],
            notification_id=notification.id,
        )
        if route is Route.UPLOADED:
            message = job = await self._job(notification, message)
            subject = self.subjects.job(Lane(job.level))
        elif route is Route.CREATED:
            subject = self.subjects.created
        else:
            subject = self.subjects.removed
        with resumed_span(
            f"relay {route}",
            self.videos.name,
            notification.id,
            **{"kino.notification_id": notification.id, "kino.subject": subject},
        ):
            await self.parts.broker.publish(
                message,
                subject,
                headers=inject_headers({"Nats-Msg-Id": message.message_id}),
                stream=self.subjects.stream,
            )
        log.info("published", subject=subject, video_id=str(message.video_id), kind=message.event)

    async def _job(
        self, notification: Notification, event: VideoEventMessage
    ) -> TranscodeJobMessage:
        """The transcoding job: in the lane of its owner's fair-share level."""
        video: Video = await asyncio.to_thread(
            self.videos.repository.get,
            notification.originator_id,
            version=notification.originator_version,
        )
        level = await self.parts.fair_share.level(video.owner_id, video.id, video.modified_on)
        return event.as_job(video.owner_id, level)

    async def run(self, stopping: asyncio.Event, poll_interval: float = 0.2) -> None:
        while not stopping.is_set():
            try:
                published = await self.pump()
                metrics.RELAY_LAG.labels(self.videos.name).set(await self.backlog())
            except Exception as error:  # noqa: BLE001 - keep relaying after a hiccup
                log.warning("relay failed, retrying", error=repr(error))
                published = 0
                await asyncio.sleep(1.0)
            if published < BATCH:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), poll_interval)

    async def stop(self) -> None:
        await self.parts.close()


def _as_uuid(originator_id: UUID | str) -> UUID:
    return originator_id if isinstance(originator_id, UUID) else UUID(originator_id)


def run_relay(settings: Settings) -> None:
    run_worker("relay", settings, lambda endpoints: Relay(build_relay_parts(settings, endpoints)))
