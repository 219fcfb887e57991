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

The same process deletes a deleted or failed video's media (``kino.workers.janitor``) and
fails uploads that were never completed (``kino.workers.expiry``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from uuid import UUID

import structlog
from faststream.nats import NatsMessage
from opentelemetry import trace

from kino.bootstrap.workers import TranscoderParts, build_transcoder_parts
from kino.domain.errors import NotFoundError
from kino.infrastructure import metrics
from kino.infrastructure.broker import ALL_LANES, Lane
from kino.infrastructure.messages import MalformedMessageError, TranscodeJobMessage
from kino.infrastructure.settings import Settings
from kino.infrastructure.tracing import extract_headers, inject_headers
from kino.workers.expiry import subscribe_expiry
from kino.workers.janitor import subscribe_janitor
from kino.workers.job_lanes import JobLanes
from kino.workers.process import run_worker
from kino.workers.transcoding import (
    FoundLong,
    JobCancelled,
    JobRunner,
    Mode,
    TranscodeJob,
    sweep_work_dirs,
)

log = structlog.get_logger(__name__)


class Transcoder:
    def __init__(self, parts: TranscoderParts, job: JobRunner | None = None) -> None:
        """``job`` runs each job (by default a ``TranscodeJob`` on these parts)."""
        self.parts, self.config, self.videos = parts, parts.config, parts.videos
        self.stream, self.subjects = parts.stream, parts.stream.subjects
        self.job = job or TranscodeJob.from_parts(parts)
        self.handled: list[tuple[UUID, float, float]] = []  # (video, start, end), monotonic
        self._depth: asyncio.Task[None] | None = None
        self.lanes = JobLanes(parts.broker, parts.stream, self.config, self.handle_job)
        subscribe_janitor(parts.broker, parts.stream, parts.store)
        subscribe_expiry(parts.broker, parts.stream, parts.videos, self.config.upload_ttl_seconds)

    async def handle_job(self, lane: Lane, msg: NatsMessage) -> None:
        """A span per job, continuing the trace the relay passed in the message headers."""
        try:
            job = TranscodeJobMessage.decode(msg.body)
        except MalformedMessageError:
            log.error("malformed transcoding job dropped", lane=lane.name, body=msg.body[:200])
            await msg.reject()
            return
        with trace.get_tracer("kino").start_as_current_span(
            "transcode",
            context=extract_headers(msg.headers),
            attributes={"kino.video_id": str(job.video_id), "kino.lane": lane.name},
        ):
            await self._handle_job(lane, job, msg)

    async def _handle_job(self, lane: Lane, job: TranscodeJobMessage, msg: NatsMessage) -> None:
        delivered = msg.raw_message.metadata.num_delivered
        attempts = self.config.attempts
        bound = log.bind(video_id=str(job.video_id), delivery=delivered, lane=lane.name)
        if delivered > attempts:
            await self._give_up(job, msg, "its worker stopped every time")
            return
        heartbeat = asyncio.create_task(self._keep_alive(msg))
        started = time.monotonic()
        try:
            bound.info("transcoding")
            await self.job.run(job.video_id, self._mode(lane))
        except FoundLong as found:
            await self._move_to_long_lane(lane, job, found.duration)
            bound.info("long video: moved to the long lane", duration=round(found.duration))
            metrics.TRANSCODER_JOBS.labels("moved").inc()
        except (JobCancelled, NotFoundError):
            bound.info("video deleted or unknown; nothing to do")
            metrics.TRANSCODER_JOBS.labels("cancelled").inc()
        except Exception as error:  # noqa: BLE001 - decide retry or dead letter
            bound.warning("transcoding failed", error=repr(error), exc_info=error)
            if delivered >= attempts:
                metrics.TRANSCODER_JOBS.labels("dead_letter").inc()
                await self._give_up(job, msg, repr(error))
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
            self.handled.append((job.video_id, started, time.monotonic()))
            metrics.TRANSCODER_JOB_DURATION.observe(time.monotonic() - started)
        await msg.ack()
        bound.info("transcoding done")

    def _mode(self, lane: Lane) -> Mode:
        if lane.long:
            return Mode(background=True)
        return Mode(long_after=float(self.config.long_seconds))

    async def _move_to_long_lane(
        self, lane: Lane, job: TranscodeJobMessage, duration: float
    ) -> None:
        """Publish the job to the long lane of its level (then the caller acks this one)."""
        await self.parts.broker.publish(
            job.moved_to_long_lane(duration),
            self.subjects.job(Lane(lane.level, long=True)),
            headers=inject_headers({"Nats-Msg-Id": job.long_lane_message_id}),
            stream=self.subjects.stream,
        )
        await self.parts.progress.of(job.video_id).send("waiting", 0.0)

    async def _give_up(self, job: TranscodeJobMessage, msg: NatsMessage, detail: str) -> None:
        reason = f"Processing failed {self.config.attempts} times; the file could not be converted."
        with contextlib.suppress(NotFoundError):
            await asyncio.to_thread(self.videos.fail, job.video_id, reason)
        await self.parts.broker.publish(
            job.dead(detail), self.subjects.dead, stream=self.subjects.stream
        )
        await msg.ack()
        log.error("job dead-lettered", video_id=str(job.video_id), error=detail)

    async def _keep_alive(self, msg: NatsMessage) -> None:
        every = max(1.0, self.config.ack_wait_seconds / 3)
        while True:
            await asyncio.sleep(every)
            await msg.in_progress()

    async def start(self) -> None:
        await asyncio.to_thread(sweep_work_dirs, self.parts.work_root)
        await self.stream.ensure()
        await self.parts.broker.start()
        self.lanes.start()
        self._depth = asyncio.create_task(self._report_queue_depth())

    def describe(self) -> Mapping[str, object]:
        return {"stream": self.subjects.stream}

    async def run(self, stopping: asyncio.Event) -> None:
        await stopping.wait()  # the lanes' dispatcher and the consumers do the work

    async def _report_queue_depth(self, every: float = 5.0) -> None:
        while True:
            try:
                consumers = [self.subjects.transcoders(lane) for lane in ALL_LANES]
                metrics.TRANSCODER_QUEUE_DEPTH.set(await self.stream.pending(consumers))
            except Exception as error:  # noqa: BLE001 - a metric must never stop the worker
                log.debug("queue depth unavailable", error=repr(error))
            await asyncio.sleep(every)

    async def stop(self) -> None:
        if self._depth is not None:
            self._depth.cancel()
        await self.lanes.stop()
        await self.parts.close()


def run_transcoder(settings: Settings) -> None:
    run_worker(
        "transcoder",
        settings,
        lambda endpoints: Transcoder(build_transcoder_parts(settings, endpoints)),
    )
