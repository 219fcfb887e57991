"""`kino relay`: follows the ``videos`` notification log and publishes integration events.

At least once: an event is published to JetStream (and acknowledged by it) before its
notification id is recorded in the ``relay_tracking`` table, so a restart resumes after
the last recorded id and may publish the last few again; the ``Nats-Msg-Id`` header
(``videos-<notification id>``) lets JetStream drop those duplicates (within its two-minute
duplicate window). Two relay replicas are therefore safe, though one is enough.

A completed upload becomes a transcoding job in the lane of its owner's fair-share level
(``kino.workers.fair_share``): the job carries ``owner_id`` and ``level``, read from the video
(the stored events keep their shape).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import signal
from collections.abc import Sequence
from typing import Any

import structlog
from eventsourcing.persistence import (
    InfrastructureFactory,
    IntegrityError,
    Notification,
    Tracking,
)
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import Environment, get_topic
from faststream.nats import NatsBroker
from redis.asyncio import Redis

from kino.commands.videos import Videos
from kino.domain.videos import Video
from kino.infrastructure import metrics
from kino.infrastructure.broker import (
    RECONNECT_ATTEMPTS,
    RECONNECT_SECONDS,
    Lane,
    VideoSubjects,
    ensure_stream,
)
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.settings import Settings
from kino.infrastructure.tracing import inject_headers, resumed_span
from kino.infrastructure.watchdog import Watchdog, WatchedLoop
from kino.workers.fair_share import FairShare

log = structlog.get_logger(__name__)
BROKER_LOG = logging.getLogger("kino.broker")  # faststream's messages, in Kino's format

ROUTES = {
    get_topic(Video.UploadCreated): "created",
    get_topic(Video.UploadCompleted): "uploaded",
    get_topic(Video.Failed): "removed",
    get_topic(Video.Deleted): "removed",
}
BATCH = 100


class Relay:
    def __init__(
        self, settings: Settings, database_url: str, nats_url: str, redis_url: str
    ) -> None:
        env = eventstore_env(database_url, pool_size=2)
        self.subjects = VideoSubjects.for_settings(settings)
        self.videos = Videos(env=env)
        factory = InfrastructureFactory[PostgresTrackingRecorder].construct(
            env=Environment("relay", env)
        )
        self.tracking = factory.tracking_recorder()
        self.nats_url = nats_url
        self.broker = NatsBroker(
            nats_url,
            logger=BROKER_LOG,
            log_level=logging.DEBUG,
            max_reconnect_attempts=RECONNECT_ATTEMPTS,
            reconnect_time_wait=RECONNECT_SECONDS,
        )
        self.redis = Redis.from_url(redis_url, socket_timeout=5, socket_connect_timeout=5)
        self.fair_share = FairShare(self.redis, settings.redis_namespace)
        self.position = 0

    async def start(self) -> None:
        await ensure_stream(self.nats_url, self.subjects)
        await self.broker.start()
        self.position = await asyncio.to_thread(self._recorded_position)

    def _recorded_position(self) -> int:
        return self.tracking.max_tracking_id(Videos.name) or 0

    async def pump(self) -> int:
        """Publish what is new since the last recorded position; returns how many."""
        notifications: Sequence[Notification] = await asyncio.to_thread(
            self.videos.recorder.select_notifications,
            self.position + 1,
            BATCH,
            topics=list(ROUTES),
        )
        for notification in notifications:
            await self._publish(notification)
            # IntegrityError: another relay replica recorded it first; JetStream dropped our copy.
            with contextlib.suppress(IntegrityError):
                await asyncio.to_thread(
                    self.tracking.insert_tracking, Tracking(Videos.name, notification.id)
                )
            self.position = notification.id
        return len(notifications)

    async def backlog(self, limit: int = 10_000) -> int:
        """Relayable events not yet published (capped at ``limit``)."""
        waiting = await asyncio.to_thread(
            self.videos.recorder.select_notifications,
            self.position + 1,
            limit,
            topics=list(ROUTES),
        )
        return len(waiting)

    async def _publish(self, notification: Notification) -> None:
        kind = ROUTES[notification.topic]
        body: dict[str, Any] = {
            "video_id": str(notification.originator_id),
            "event": notification.topic.rpartition(".")[2],
            "notification_id": notification.id,
        }
        if kind == "uploaded":
            subject = await self._job_subject(notification, body)
        else:
            subject = getattr(self.subjects, kind)
        with resumed_span(
            f"relay {kind}",
            self.videos.name,
            notification.id,
            **{"kino.notification_id": notification.id, "kino.subject": subject},
        ):
            await self.broker.publish(
                json.dumps(body).encode(),
                subject,
                headers=inject_headers({"Nats-Msg-Id": f"videos-{notification.id}"}),
                stream=self.subjects.stream,
            )
        log.info("published", subject=subject, video_id=body["video_id"], kind=body["event"])

    async def _job_subject(self, notification: Notification, body: dict[str, Any]) -> str:
        """The lane of a transcoding job: its owner's fair-share level (added to ``body``)."""
        video: Video = await asyncio.to_thread(
            self.videos.repository.get,
            notification.originator_id,
            version=notification.originator_version,
        )
        level = await self.fair_share.level(video.owner_id, video.id, video.modified_on)
        body.update(owner_id=str(video.owner_id), level=level)
        return self.subjects.job(Lane(level))

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
        await self.broker.stop()
        await self.redis.aclose()
        await asyncio.to_thread(self.videos.close)


def run_relay(settings: Settings) -> None:
    from kino.bootstrap import resolve_endpoints

    endpoints = resolve_endpoints(settings)
    watchdog = Watchdog("event loop")
    metrics.serve_metrics(settings.metrics_port, settings.metrics_host, watchdog.health)

    async def main() -> None:
        watched = WatchedLoop(watchdog, debug_hooks=settings.debug_hooks)
        await watched.start()
        relay = Relay(settings, endpoints.database_url, endpoints.nats_url, endpoints.redis_url)
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await relay.start()
        log.info("relay running", position=relay.position, stream=relay.subjects.stream)
        await relay.run(stopping)
        await relay.stop()
        await watched.stop()

    asyncio.run(main())
