"""Resume positions in Redis (``kino.commands.positions.PositionStore``): no event per tick.

Per user, a hash ``{ns}:positions:{user}`` (video → seconds) and a sorted set
``{ns}:positions:{user}:recent`` (video → when it was saved), changed together in one Lua
call. A user keeps at most ``max_videos`` positions (the least recently saved go first) and
both keys expire ``ttl_seconds`` after the last save. Like every Redis read model, this may
be lost; the browser keeps its own copy of the positions it saved.
"""

from __future__ import annotations

import time
from uuid import UUID

from redis.asyncio import Redis

MAX_VIDEOS = 500
TTL_SECONDS = 90 * 24 * 3600

_SAVE = """
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local oldest = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  redis.call('HDEL', KEYS[1], unpack(oldest))
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
end
redis.call('EXPIRE', KEYS[1], ARGV[5])
redis.call('EXPIRE', KEYS[2], ARGV[5])
return 1
"""
_CLEAR = """
redis.call('HDEL', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
"""


class RedisPositions:
    def __init__(
        self,
        client: Redis,
        namespace: str,
        *,
        max_videos: int = MAX_VIDEOS,
        ttl_seconds: int = TTL_SECONDS,
    ) -> None:
        self._client = client
        self._namespace = namespace
        self.max_videos = max_videos
        self.ttl_seconds = ttl_seconds
        self._save = client.register_script(_SAVE)
        self._clear = client.register_script(_CLEAR)

    def keys(self, user_id: UUID) -> list[str]:
        base = f"{self._namespace}:positions:{user_id}"
        return [base, f"{base}:recent"]

    async def save(self, user_id: UUID, video_id: UUID, seconds: float) -> None:
        args: list[str | float] = [
            str(video_id),
            f"{seconds:.3f}",
            time.time(),
            self.max_videos,
            self.ttl_seconds,
        ]
        await self._save(keys=self.keys(user_id), args=args)

    async def clear(self, user_id: UUID, video_id: UUID) -> None:
        await self._clear(keys=self.keys(user_id), args=[str(video_id)])

    async def get(self, user_id: UUID, video_id: UUID) -> float | None:
        raw = await self._client.hget(self.keys(user_id)[0], str(video_id))
        return float(raw) if raw is not None else None
