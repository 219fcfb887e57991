"""Per-key rate limits in Redis: at most ``limit`` actions per fixed window."""

from __future__ import annotations

from redis.asyncio import Redis

from kino.domain.errors import RateLimitedError

_HIT = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
if count > tonumber(ARGV[2]) then
  redis.call('DECR', KEYS[1])
  return -math.max(redis.call('TTL', KEYS[1]), 1)
end
return count
"""


class RateLimit:
    def __init__(
        self, client: Redis, namespace: str, name: str, limit: int, window_seconds: int = 60
    ) -> None:
        self._prefix = f"{namespace}:ratelimit:{name}"
        self.name = name
        self.limit = limit
        self.window = window_seconds
        self._hit = client.register_script(_HIT)

    async def hit(self, key: object, what: str) -> None:
        """Count one action of ``key``; RateLimitedError when over the limit (not counted)."""
        result = int(
            await self._hit(keys=[f"{self._prefix}:{key}"], args=[self.window, self.limit])
        )
        if result < 0:
            raise RateLimitedError(
                f"Too many {what}; try again in {-result} seconds.", retry_after_seconds=-result
            )
