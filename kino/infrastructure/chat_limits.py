"""Chat send limits in Redis, shared by every api replica: a per-user rate limit
(``limit`` messages per ``window`` seconds, sliding) and a room's slow mode (one
message per ``slow`` seconds per user). ``reserve`` checks and takes a slot in one
Lua call; ``release`` gives it back when the message was then refused."""

from __future__ import annotations

import math
import time
import uuid
from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis

from kino.domain.errors import RateLimitedError

_RESERVE = """
local now, window, limit, slow = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]),
  tonumber(ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if slow > 0 then
  local last = redis.call('GET', KEYS[2])
  if last and now - tonumber(last) < slow then
    return {1, slow - (now - tonumber(last))}
  end
end
if redis.call('ZCARD', KEYS[1]) >= limit then
  local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
  return {2, tonumber(oldest[2]) + window - now}
end
redis.call('ZADD', KEYS[1], now, ARGV[5])
redis.call('PEXPIRE', KEYS[1], window)
if slow > 0 then redis.call('SET', KEYS[2], now, 'PX', slow) end
return {0, 0}
"""

_RELEASE = """
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('GET', KEYS[2]) == ARGV[2] then redis.call('DEL', KEYS[2]) end
return 1
"""


@dataclass(frozen=True)
class Reservation:
    keys: tuple[str, str]
    member: str
    at_ms: int


class ChatLimits:
    def __init__(
        self, client: Redis, namespace: str, *, limit: int = 20, window_seconds: float = 30
    ) -> None:
        self._redis = client
        self._namespace = namespace
        self.limit = limit
        self.window_ms = int(window_seconds * 1000)
        self._reserve = client.register_script(_RESERVE)
        self._release = client.register_script(_RELEASE)

    async def reserve(self, stream_id: UUID, user_id: UUID, slow_mode_seconds: int) -> Reservation:
        base = f"{self._namespace}:chat-limits"
        keys = (f"{base}:rate:{user_id}", f"{base}:slow:{stream_id}:{user_id}")
        now = int(time.time() * 1000)
        member = uuid.uuid4().hex
        outcome, wait_ms = await self._reserve(
            keys=list(keys),
            args=[now, self.window_ms, self.limit, slow_mode_seconds * 1000, member],
        )
        if int(outcome) == 0:
            return Reservation(keys, member, now)
        retry = max(math.ceil(int(wait_ms) / 100) / 10, 0.1)
        if int(outcome) == 1:
            raise RateLimitedError(
                f"Slow mode is on: wait {retry:g} s before your next message.",
                retry_after_seconds=retry,
            )
        raise RateLimitedError(
            f"You are sending messages too fast; wait {retry:g} s.", retry_after_seconds=retry
        )

    async def release(self, reservation: Reservation) -> None:
        await self._release(
            keys=list(reservation.keys), args=[reservation.member, reservation.at_ms]
        )
