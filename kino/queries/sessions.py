"""Reads the sessions read model (Redis): is this session active, and whose is it?

``SessionReader`` is what the api and the use cases need; ``SessionQueries`` reads Redis,
``kino.queries.memory`` holds an in-memory reader for unit tests.
"""

from __future__ import annotations

from typing import Protocol
from uuid import UUID

from redis.asyncio import Redis

from kino.queries.positions import Positioned

# Follow the live-generation pointer and read the session in one round trip.
_LOOKUP = """
local generation = redis.call('GET', KEYS[1]) or '1'
local key = ARGV[1] .. '_g' .. generation .. ':session:' .. ARGV[2]
return redis.call('HMGET', key, 'user_id', 'active')
"""
_POSITION = """
local generation = redis.call('GET', KEYS[1]) or '1'
return redis.call('GET', ARGV[1] .. '_g' .. generation .. ':tracking:' .. ARGV[2])
"""


class SessionReader(Positioned, Protocol):
    async def lookup(self, session_id: UUID) -> tuple[UUID, bool] | None:
        """(user, active) of the session; None when the view holds nothing of it (it never
        did, it expired, or the view is behind)."""


class SessionQueries(SessionReader):
    def __init__(self, client: Redis, base: str) -> None:
        """``base`` is ``<namespace>:sessions``; generations live at ``<base>_g<N>``."""
        self._redis = client
        self._base = base
        self._pointer = f"{base}:live"
        self._lookup = client.register_script(_LOOKUP)
        self._position = client.register_script(_POSITION)

    async def lookup(self, session_id: UUID) -> tuple[UUID, bool] | None:
        user_id, active = await self._lookup(
            keys=[self._pointer], args=[self._base, str(session_id)]
        )
        if user_id is None:
            return None
        user = UUID(user_id.decode() if isinstance(user_id, bytes) else user_id)
        return user, active in (b"1", "1")

    async def position(self, application_name: str) -> int:
        value = await self._position(keys=[self._pointer], args=[self._base, application_name])
        return int(value) if value is not None else 0
