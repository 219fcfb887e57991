"""The job slots of one transcoder process, filled from the lanes in order (docs/adr/0007).

A process runs up to ``slots`` jobs at once. A free slot takes the next job from the lanes
best first (``lanes_in_order``): fair-share level by level, the new job of a level before its
long one. Long lanes are skipped while ``long_slots`` long jobs run (all slots but one, at
least one), so a slot is always left for short jobs.

Jobs are fetched one at a time, from one lane at a time, and only when a slot is free:
nothing waits in this process while its slots are busy, so other replicas take what it
cannot. Each fetch is a pull request that waits briefly on an empty lane (longest on the
first lane, where most new jobs arrive), so an idle process sweeps the lanes about once a
second and a new job starts within about that time.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import structlog
from faststream import AckPolicy
from faststream.nats import ConsumerConfig, NatsBroker, NatsMessage, PullSub

from kino.infrastructure.broker import ALL_LANES, Lane, VideoStream, lanes_in_order
from kino.infrastructure.settings import VideoSettings

log = structlog.get_logger(__name__)

FIRST_LANE_WAIT = 1.0  # seconds a fetch waits on the best lane before the sweep moves on
LANE_WAIT = 0.1  # ... on every other lane
RECANCEL_SECONDS = 1.0  # stop() cancels a task again when it has not ended by then

JobHandler = Callable[[Lane, NatsMessage], Awaitable[None]]


def long_slots(slots: int) -> int:
    """How many long jobs may run at once: all slots but one, at least one."""
    return max(1, slots - 1)


class JobLanes:
    def __init__(
        self,
        broker: NatsBroker,
        stream: VideoStream,
        settings: VideoSettings,
        handler: JobHandler,
    ) -> None:
        consumer = ConsumerConfig(
            ack_wait=float(settings.ack_wait_seconds), max_deliver=settings.attempts + 1
        )
        subjects = stream.subjects
        self.subscribers = {
            lane: broker.subscriber(
                subjects.job(lane),
                stream=stream.declaration,
                durable=subjects.transcoders(lane),
                pull_sub=PullSub(batch_size=1, timeout=LANE_WAIT),
                config=consumer,
                ack_policy=AckPolicy.MANUAL,
            )
            for lane in ALL_LANES
        }
        self.slots, self.handler = settings.slots, handler
        self.running: dict[asyncio.Task[None], Lane] = {}
        self.idle_sweeps = 0  # sweeps of every lane a free slot could take from, all empty
        self._free = asyncio.Semaphore(self.slots)
        self._dispatcher: asyncio.Task[None] | None = None

    @property
    def running_long(self) -> int:
        return sum(lane.long for lane in self.running.values())

    def start(self) -> None:
        self._dispatcher = asyncio.create_task(self._dispatch())

    async def stop(self) -> None:
        """Stop taking jobs and cancel the running ones: JetStream redelivers them.

        A task can lose a cancellation: in Python 3.11 ``asyncio.wait_for`` drops one that
        races its timeout, and the dispatcher's fetches time out ten times a second, after
        which ``_next_job`` would sweep the lanes for ever (a transcoder whose stop never
        returned, seen in CI). So cancel again, each ``RECANCEL_SECONDS``, until all ended.
        """
        pending = {*self.running, *([self._dispatcher] if self._dispatcher else [])}
        while pending:
            for task in pending:
                task.cancel()
            _, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)

    async def _dispatch(self) -> None:
        while True:
            await self._free.acquire()
            try:
                lane, message = await self._next_job()
            except BaseException:
                self._free.release()
                raise
            self.running[asyncio.create_task(self._run(lane, message))] = lane

    async def _next_job(self) -> tuple[Lane, NatsMessage]:
        while True:
            order = lanes_in_order(long=self.running_long < long_slots(self.slots))
            try:
                for index, lane in enumerate(order):
                    wait = FIRST_LANE_WAIT if index == 0 else LANE_WAIT
                    message = await self.subscribers[lane].get_one(timeout=wait)
                    if message is not None:
                        return lane, message
                self.idle_sweeps += 1
            except Exception as error:  # noqa: BLE001 - NATS away: keep trying, never stop
                log.warning("fetching a transcoding job failed", error=repr(error))
                await asyncio.sleep(1.0)

    async def _run(self, lane: Lane, message: NatsMessage) -> None:
        try:
            await self.handler(lane, message)
        except Exception as error:
            log.error("transcoding job crashed", lane=lane.name, error=repr(error), exc_info=error)
        finally:
            task = asyncio.current_task()
            if task is not None:
                self.running.pop(task, None)
            self._free.release()
