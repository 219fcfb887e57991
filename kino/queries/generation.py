"""Redis read models are read at their live generation, found through a pointer key.

A rebuild writes generation N+1 beside N and then moves ``<base>:live`` (ADR 1). Readers
look the pointer up at most once a ``ttl`` (1 s), well inside the grace period (3 s) after
which the old generation's keys are dropped.
"""

from __future__ import annotations

import time

from redis.asyncio import Redis


class LiveGeneration:
    def __init__(self, client: Redis, base: str, ttl: float = 1.0) -> None:
        self._redis = client
        self._base = base
        self._pointer = f"{base}:live"
        self._prefix = f"{base}_g1"
        self._checked = float("-inf")
        self._ttl = ttl

    async def _refresh(self) -> None:
        now = time.monotonic()
        if now - self._checked >= self._ttl:
            generation = await self._redis.get(self._pointer)
            self._prefix = f"{self._base}_g{int(generation) if generation else 1}"
            self._checked = now

    def _key(self, *parts: object) -> str:
        return ":".join([self._prefix, *(str(part) for part in parts)])

    async def position(self, application_name: str) -> int:
        """The last notification of the application the live generation has processed."""
        await self._refresh()
        value = await self._redis.get(self._key("tracking", application_name))
        return int(value) if value is not None else 0
