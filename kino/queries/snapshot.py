"""How far the PostgreSQL read models behind public pages have got, in one query.

A read model's rows commit in one transaction with its tracking position (ADR 1), so while
the positions below are unchanged, so is everything a reader of those tables can see. A
response computed after reading a snapshot is still right as long as the snapshot is the
same: that is what ``kino.graphql.response_cache`` relies on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from psycopg_pool import AsyncConnectionPool

from kino.queries.sql import with_tables

Snapshot = tuple[Any, ...]

# Views are folded in batches outside the generations; a rebuild re-points generations.
_OTHER_CHANGES = (
    "(SELECT count(*) || ':' || coalesce(max(flushed_at)::text, '') FROM video_view_batches)",
    "(SELECT string_agg(name || ':' || live, ',' ORDER BY name) FROM kino_projection_generations)",
)


class ReadSnapshot(Protocol):
    async def current(self) -> Snapshot:
        """Values that all stay the same exactly while the read models do."""


class TrackingSnapshot:
    """The sum of every application's position in each tracking table (each only grows)."""

    def __init__(self, pool: AsyncConnectionPool[Any], tracking_tables: Sequence[str]) -> None:
        self._pool = pool
        sums = [
            f"(SELECT coalesce(sum(notification_id), 0) FROM {{t{index}}})"
            for index in range(len(tracking_tables))
        ]
        tables = {f"t{index}": name for index, name in enumerate(tracking_tables)}
        self._query = with_tables("SELECT " + ", ".join([*sums, *_OTHER_CHANGES]), **tables)

    async def current(self) -> Snapshot:
        async with self._pool.connection() as conn, conn.cursor() as curs:
            await curs.execute(self._query)
            row = await curs.fetchone()
        return tuple(row or ())
