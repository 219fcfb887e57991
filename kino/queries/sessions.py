"""Reads the sessions read model (Redis): is this session active, and whose is it?"""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis


class SessionQueries:
    def __init__(self, client: Redis, prefix: str) -> None:
        self._redis = client
        self._prefix = prefix

    async def active_user(self, session_id: UUID) -> UUID | None:
        """The session's user while the session is active, else None."""
        values = await self._redis.hmget(
            f"{self._prefix}:session:{session_id}", ["user_id", "active"]
        )
        user_id, active = values
        if user_id is None or active not in (b"1", "1"):
            return None
        return UUID(user_id.decode() if isinstance(user_id, bytes) else user_id)

    async def position(self, application_name: str) -> int:
        value = await self._redis.get(f"{self._prefix}:tracking:{application_name}")
        return int(value) if value is not None else 0
