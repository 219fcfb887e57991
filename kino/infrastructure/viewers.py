"""How many people watch a live stream right now, across every api replica.

Each api process counts its own open watchers per stream in one field of a Redis hash
(``<ns>:viewers:<stream>``, field = process id) and keeps a heartbeat key alive; a reader
sums the fields of the processes whose heartbeat still exists, so a crashed replica's
watchers stop counting within ``HEARTBEAT_TTL`` seconds. Nothing is stored as an event.

When a stream's count changes, the process announces it on the stream's live channel after
``PUSH_DELAY`` (a burst of joins is one announcement), and only when no replica announced that
stream within the last ``PUSH_DELAY`` (a gate key; otherwise it tries again once the gate
lapses), so the pages following the stream get a new count at most about once a second
however many replicas serve them. The announcement carries no position: it is a nudge to read the
stream again, never a read-model change to deduplicate (``kino.graphql.announcements``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

from kino.infrastructure.pubsub import channel_name

HEARTBEAT_EVERY = 10.0
HEARTBEAT_TTL = 30
PUSH_DELAY = 1.0
COUNT_CHANGED = json.dumps({"app": "viewers"})


class ViewerCounter:
    def __init__(self, client: Redis, namespace: str, push_delay: float = PUSH_DELAY) -> None:
        self._redis = client
        self._namespace = namespace
        self.push_delay = push_delay
        self.process_id = uuid.uuid4().hex
        self._heartbeat: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()
        self._pushes: dict[object, asyncio.Task[None]] = {}  # stream → its coming announcement
        self._announcing: set[asyncio.Task[None]] = set()  # until each has published

    def _key(self, stream_id: object) -> str:
        return f"{self._namespace}:viewers:{stream_id}"

    def _alive(self, process_id: str) -> str:
        return f"{self._namespace}:viewers:alive:{process_id}"

    async def start(self) -> None:
        """Never fails: with Redis down the api still starts (and /readyz says so)."""
        self._heartbeat = asyncio.create_task(self._beat())

    async def stop(self) -> None:
        """Let the heartbeat finish its current command (never cancel a Redis call midway:
        that can leave the shared connection unusable), then drop this process's key."""
        self._stopping.set()
        waiting = [task for task in (self._heartbeat, *self._announcing) if task]
        if waiting:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(asyncio.gather(*waiting, return_exceptions=True), 5)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._redis.delete(self._alive(self.process_id)), 5)

    async def _beat(self) -> None:
        while not self._stopping.is_set():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(
                    self._redis.set(self._alive(self.process_id), 1, ex=HEARTBEAT_TTL), 5
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), HEARTBEAT_EVERY)

    @asynccontextmanager
    async def watching(self, stream_id: object) -> AsyncIterator[None]:
        """Counts one watcher of ``stream_id`` for as long as the block runs."""
        key = self._key(stream_id)
        await self._redis.hincrby(key, self.process_id, 1)
        self._changed(stream_id)
        try:
            yield
        finally:
            try:
                with contextlib.suppress(Exception):
                    await asyncio.shield(self._redis.hincrby(key, self.process_id, -1))
            finally:
                self._changed(stream_id)

    def _changed(self, stream_id: object) -> None:
        """Announce the new count soon: once for every change until then."""
        if stream_id in self._pushes or self._stopping.is_set():
            return
        push = asyncio.get_running_loop().create_task(self._push(stream_id))
        self._pushes[stream_id] = push
        self._announcing.add(push)
        push.add_done_callback(self._announcing.discard)

    async def _push(self, stream_id: object) -> None:
        try:
            while True:
                if await self._stopped_within(self.push_delay):
                    return
                if await self._gate_opens(stream_id):
                    break
        finally:
            self._pushes.pop(stream_id, None)  # a change from now on is announced again
        channel = channel_name(self._namespace, "live", stream_id)
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self._redis.publish(channel, COUNT_CHANGED), 5)

    async def _stopped_within(self, seconds: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)
        return self._stopping.is_set()

    async def _gate_opens(self, stream_id: object) -> bool:
        """True unless a replica announced this stream within the last ``push_delay``
        (with Redis unreachable: True, and the announcement fails quietly)."""
        gate = f"{self._namespace}:viewers:announced:{stream_id}"
        milliseconds = max(1, int(self.push_delay * 1000))
        opened: object = True
        with contextlib.suppress(Exception):
            opened = await asyncio.wait_for(self._redis.set(gate, 1, nx=True, px=milliseconds), 5)
        return bool(opened)

    async def count(self, stream_id: object) -> int:
        fields = await self._redis.hgetall(self._key(stream_id))
        if not fields:
            return 0
        processes = [p.decode() if isinstance(p, bytes) else str(p) for p in fields]
        alive = await self._redis.mget([self._alive(p) for p in processes])
        return sum(
            max(0, int(value))
            for value, beating in zip(fields.values(), alive, strict=True)
            if beating is not None
        )
