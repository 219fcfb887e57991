"""One append at a time per resumable upload, across every api replica: a PostgreSQL
session advisory lock on the upload's id, held on a connection for the append's duration. A
replica that dies releases its locks with its connections (at once, unlike a lease).

The connections come from a small pool of their own (``max_size``: appends in flight per api
process), so slow uploads never take the connections the readers and commands need."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from uuid import UUID

from psycopg_pool import AsyncConnectionPool

_NAMESPACE = b"kino-tus:"


def lock_key(upload_id: UUID) -> int:
    """A signed 64-bit advisory lock key for one upload."""
    digest = hashlib.blake2b(_NAMESPACE + upload_id.bytes, digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


class UploadLocks:
    def __init__(self, conninfo: str, max_size: int = 8, max_idle: float = 60.0) -> None:
        self._pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            conninfo,
            min_size=0,
            max_size=max_size,
            max_idle=max_idle,  # seconds: uploads come and go; their connections go with them
            open=False,
            # Each statement commits by itself: the lock and the unlock are one round trip
            # each, and no transaction stays open while the lock is held.
            kwargs={"autocommit": True},
            check=AsyncConnectionPool.check_connection,  # survive a PostgreSQL restart
        )

    async def open(self) -> None:
        await self._pool.open()

    async def close(self) -> None:
        await self._pool.close()

    @asynccontextmanager
    async def hold(self, upload_id: UUID) -> AsyncIterator[bool]:
        """Yields True while this caller holds the upload's lock, False when another does."""
        key = lock_key(upload_id)
        async with self._pool.connection() as conn:
            row = await (await conn.execute("SELECT pg_try_advisory_lock(%s)", (key,))).fetchone()
            held = bool(row and row[0])
            try:
                yield held
            finally:
                if held:
                    await conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
