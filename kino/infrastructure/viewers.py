"""How many people watch a live stream right now, across every api replica.

Each api process counts its own open watchers per stream in one field of a Redis hash
(``<ns>:viewers:<stream>``, field = process id) and keeps a heartbeat key alive; a reader
sums the fields of the processes whose heartbeat still exists, so a crashed replica's
watchers stop counting within ``HEARTBEAT_TTL`` seconds. Nothing is stored as an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from redis.asyncio import Redis

HEARTBEAT_EVERY = 10.0
HEARTBEAT_TTL = 30


class ViewerCounter:
    def __init__(self, client: Redis, namespace: str) -> None:
        self._redis = client
        self._namespace = namespace
        self.process_id = uuid.uuid4().hex
        self._heartbeat: asyncio.Task[None] | None = None
        self._stopping = asyncio.Event()

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
        if self._heartbeat is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._heartbeat, 5)
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
        try:
            yield
        finally:
            with contextlib.suppress(Exception):
                await asyncio.shield(self._redis.hincrby(key, self.process_id, -1))

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
