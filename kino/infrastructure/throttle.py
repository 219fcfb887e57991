"""Counts failed sign-ins per account and per address in Redis (fixed one-minute windows)."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from kino.domain.errors import RateLimitedError

_INCREMENT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count
"""


class LoginThrottle:
    def __init__(
        self, client: Redis, limit: int, window_seconds: int = 60, namespace: str = "kino"
    ) -> None:
        self._redis = client
        self._namespace = namespace
        self.limit = limit
        self.window = window_seconds
        self._increment = client.register_script(_INCREMENT)

    def _keys(self, login: str, address: str) -> list[str]:
        account = hashlib.sha256(login.strip().lower().encode()).hexdigest()[:32]
        base = f"{self._namespace}:throttle:login"
        return [f"{base}:account:{account}", f"{base}:addr:{address}"]

    async def check(self, login: str, address: str) -> None:
        """Refuse while either counter is at the limit."""
        for key in self._keys(login, address):
            raw = await self._redis.get(key)
            if raw is not None and int(raw) >= self.limit:
                ttl = await self._redis.ttl(key)
                retry = max(int(ttl), 1)
                raise RateLimitedError(
                    f"Too many failed sign-ins; try again in {retry} seconds.",
                    retry_after_seconds=retry,
                )

    async def failed(self, login: str, address: str) -> None:
        for key in self._keys(login, address):
            await self._increment(keys=[key], args=[self.window])
