"""`kino transcoder`: competing consumers of transcoding jobs on durable JetStream pull consumers.

Any number of replicas share the work, each running up to ``KINO_TRANSCODE_SLOTS`` jobs at
once, taken from the lanes in order (``kino.workers.job_lanes``, docs/adr/0007): a user's
fair-share level first, and a job its probe finds longer than ``KINO_TRANSCODE_LONG_SECONDS``
moves to the long lane of its level, where it runs niced in at most all slots but one.

While a job runs, the worker sends in-progress acks so JetStream keeps it; a killed worker
stops sending them and the job is redelivered to another after ``ack_wait``. A job that fails
``attempts`` times marks the video FAILED and goes to the dead-letter subject; each lane's
consumer has ``max_deliver`` one more than that, so a job whose worker was killed on its last
attempt still gets one delivery that only records the failure.

The same process deletes a deleted or failed video's media (the ``janitors`` consumer) and
fails uploads that were never completed (the ``expiries`` consumer, ``kino.workers.expiry``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from typing import Any
from uuid import UUID

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, JStream, NatsBroker, NatsMessage, PullSub
from opentelemetry import trace
from redis.asyncio import Redis

from kino.commands.videos import Videos
from kino.domain.errors import NotFoundError
from kino.domain.video_rules import video_prefix
from kino.infrastructure import metrics
from kino.infrastructure.broker import (
    ALL_LANES,
    RECONNECT_ATTEMPTS,
    RECONNECT_SECONDS,
    STREAM_MAX_AGE_SECONDS,
    Lane,
    VideoSubjects,
    ensure_stream,
    pending_jobs,
)
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.settings import Settings
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.storage.factory import open_store
from kino.infrastructure.tracing import extract_headers, inject_headers
from kino.infrastructure.watchdog import Watchdog, WatchedLoop
from kino.workers.expiry import expire_if_abandoned
from kino.workers.job_lanes import JobLanes
from kino.workers.job_support import Progress, sweep_work_dirs
from kino.workers.transcoding import FoundLong, JobCancelled, Mode, TranscodeJob

log = structlog.get_logger(__name__)
BROKER_LOG = logging.getLogger("kino.broker")  # faststream's messages, in Kino's format


def video_stream(subjects: VideoSubjects) -> JStream:
    return JStream(subjects.stream, subjects=[subjects.all], max_age=STREAM_MAX_AGE_SECONDS)


class Transcoder:
    def __init__(
        self,
        settings: Settings,
        database_url: str,
        redis_url: str,
        nats_url: str,
        store: ObjectStore | None = None,
    ) -> None:
        self.settings = settings
        self.subjects = VideoSubjects.for_settings(settings)
        self.videos = Videos(env=eventstore_env(database_url, pool_size=2))
        self.store = store or open_store(settings)
        self.redis = Redis.from_url(redis_url)
        self.work_root = settings.data_dir / "transcode"
        self.job = TranscodeJob(
            self.videos,
            store=self.store,
            settings=settings.videos,
            redis=self.redis,
            namespace=settings.redis_namespace,
            work_root=self.work_root,
        )
        self.nats_url = nats_url
        self.broker = NatsBroker(
            nats_url,
            graceful_timeout=5.0,
            logger=BROKER_LOG,
            log_level=logging.DEBUG,
            max_reconnect_attempts=RECONNECT_ATTEMPTS,
            reconnect_time_wait=RECONNECT_SECONDS,
        )
        self.handled: list[tuple[UUID, float, float]] = []  # (video, start, end), monotonic
        self._depth: asyncio.Task[None] | None = None
        stream = video_stream(self.subjects)
        self.lanes = JobLanes(self.broker, self.subjects, stream, settings.videos, self.handle_job)
        self._subscribe(stream)

    def _subscribe(self, stream: JStream) -> None:
        subjects = self.subjects

        @self.broker.subscriber(
            subjects.removed,
            stream=stream,
            durable=subjects.janitors,
            pull_sub=PullSub(batch_size=1, timeout=1.0),  # >1 leaks nats-py TimeoutErrors
            config=ConsumerConfig(ack_wait=60.0, max_deliver=20),
            ack_policy=AckPolicy.NACK_ON_ERROR,
        )
        async def remove_media(body: dict[str, Any]) -> None:
            prefix = video_prefix(UUID(body["video_id"]))
            removed = await asyncio.to_thread(self.store.delete_prefix, prefix)
            log.info("media removed", video_id=body["video_id"], objects=removed)

        self._subscribe_expiry(stream)

    def _subscribe_expiry(self, stream: JStream) -> None:
        @self.broker.subscriber(
            self.subjects.created,
            stream=stream,
            durable=self.subjects.expiries,
            pull_sub=PullSub(batch_size=1, timeout=1.0),
            config=ConsumerConfig(ack_wait=30.0),
            ack_policy=AckPolicy.MANUAL,
        )
        async def expire_upload(body: dict[str, Any], msg: NatsMessage) -> None:
            ttl = self.settings.videos.upload_ttl_seconds
            await expire_if_abandoned(self.videos, UUID(body["video_id"]), ttl, msg)

    async def handle_job(self, lane: Lane, msg: NatsMessage) -> None:
        """A span per job, continuing the trace the relay passed in the message headers."""
        body = await msg.decode()
        if not isinstance(body, dict) or "video_id" not in body:
            log.error("malformed transcoding job dropped", lane=lane.name, body=repr(body)[:200])
            await msg.reject()
            return
        with trace.get_tracer("kino").start_as_current_span(
            "transcode",
            context=extract_headers(msg.headers),
            attributes={"kino.video_id": body["video_id"], "kino.lane": lane.name},
        ):
            await self._handle_job(lane, body, msg)

    async def _handle_job(self, lane: Lane, body: dict[str, Any], msg: NatsMessage) -> None:
        video_id = UUID(body["video_id"])
        delivered = msg.raw_message.metadata.num_delivered
        attempts = self.settings.videos.attempts
        bound = log.bind(video_id=str(video_id), delivery=delivered, lane=lane.name)
        if delivered > attempts:
            await self._give_up(video_id, body, msg, "its worker stopped every time")
            return
        heartbeat = asyncio.create_task(self._keep_alive(msg))
        started = time.monotonic()
        try:
            bound.info("transcoding")
            await self.job.run(video_id, self._mode(lane))
        except FoundLong as found:
            await self._move_to_long_lane(lane, body, found.duration)
            bound.info("long video: moved to the long lane", duration=round(found.duration))
            metrics.TRANSCODER_JOBS.labels("moved").inc()
        except (JobCancelled, NotFoundError):
            bound.info("video deleted or unknown; nothing to do")
            metrics.TRANSCODER_JOBS.labels("cancelled").inc()
        except Exception as error:  # noqa: BLE001 - decide retry or dead letter
            bound.warning("transcoding failed", error=repr(error), exc_info=error)
            if delivered >= attempts:
                metrics.TRANSCODER_JOBS.labels("dead_letter").inc()
                await self._give_up(video_id, body, msg, repr(error))
            else:
                metrics.TRANSCODER_JOBS.labels("retry").inc()
                await msg.nack(delay=min(30.0, 2.0**delivered))
            return
        else:
            metrics.TRANSCODER_JOBS.labels("ok").inc()
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self.handled.append((video_id, started, time.monotonic()))
            metrics.TRANSCODER_JOB_DURATION.observe(time.monotonic() - started)
        await msg.ack()
        bound.info("transcoding done")

    def _mode(self, lane: Lane) -> Mode:
        if lane.long:
            return Mode(background=True)
        return Mode(long_after=float(self.settings.videos.long_seconds))

    async def _move_to_long_lane(self, lane: Lane, body: dict[str, Any], duration: float) -> None:
        """Publish the job to the long lane of its level (then the caller acks this one)."""
        video_id = body["video_id"]
        await self.broker.publish(
            {**body, "duration_seconds": duration},
            self.subjects.job(Lane(lane.level, long=True)),
            headers=inject_headers(
                {"Nats-Msg-Id": f"long-{video_id}-{body.get('notification_id')}"}
            ),
            stream=self.subjects.stream,
        )
        progress = Progress(self.redis, self.settings.redis_namespace, UUID(video_id))
        await progress.send("waiting", 0.0)

    async def _give_up(
        self, video_id: UUID, body: dict[str, Any], msg: NatsMessage, detail: str
    ) -> None:
        attempts = self.settings.videos.attempts
        reason = f"Processing failed {attempts} times; the file could not be converted."
        with contextlib.suppress(NotFoundError):
            await asyncio.to_thread(self.videos.fail, video_id, reason)
        await self.broker.publish(
            {**body, "error": detail[:1000]}, self.subjects.dead, stream=self.subjects.stream
        )
        await msg.ack()
        log.error("job dead-lettered", video_id=str(video_id), error=detail)

    async def _keep_alive(self, msg: NatsMessage) -> None:
        every = max(1.0, self.settings.videos.ack_wait_seconds / 3)
        while True:
            await asyncio.sleep(every)
            await msg.in_progress()

    async def start(self) -> None:
        await asyncio.to_thread(sweep_work_dirs, self.work_root)
        await ensure_stream(self.nats_url, self.subjects)
        await self.broker.start()
        self.lanes.start()
        self._depth = asyncio.create_task(self._report_queue_depth())

    async def _report_queue_depth(self, every: float = 5.0) -> None:
        while True:
            try:
                consumers = [self.subjects.transcoders(lane) for lane in ALL_LANES]
                depth = await pending_jobs(self.nats_url, self.subjects, consumers)
                metrics.TRANSCODER_QUEUE_DEPTH.set(depth)
            except Exception as error:  # noqa: BLE001 - a metric must never stop the worker
                log.debug("queue depth unavailable", error=repr(error))
            await asyncio.sleep(every)

    async def stop(self) -> None:
        if self._depth is not None:
            self._depth.cancel()
        await self.lanes.stop()
        await self.broker.stop()
        await self.redis.aclose()
        await asyncio.to_thread(self.videos.close)


def run_transcoder(settings: Settings) -> None:
    from kino.bootstrap import resolve_endpoints

    endpoints = resolve_endpoints(settings)
    watchdog = Watchdog("event loop")
    metrics.serve_metrics(settings.metrics_port, settings.metrics_host, watchdog.health)

    async def main() -> None:
        watched = WatchedLoop(watchdog, debug_hooks=settings.debug_hooks)
        await watched.start()
        transcoder = Transcoder(
            settings, endpoints.database_url, endpoints.redis_url, endpoints.nats_url
        )
        stopping = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping.set)
        await transcoder.start()
        log.info("transcoder running", stream=transcoder.subjects.stream)
        await stopping.wait()
        await transcoder.stop()
        await watched.stop()
        log.info("transcoder stopped")

    asyncio.run(main())
