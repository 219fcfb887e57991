"""What the PostgreSQL readers share: table names in statements, rows as records, a read
model's position.

Readers query the public SQL views of the read models (the live generation, ADR 1). The
composition root passes their names in, derived from the projections' declarations, so
nothing here spells a table name.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier
from psycopg_pool import AsyncConnectionPool

Params = Mapping[str, Any] | Sequence[Any]
Record = TypeVar("Record")


def with_tables(template: str, **tables: str) -> str:
    """``template`` with its ``{name}`` placeholders replaced by quoted table names.

    Done once when a reader is built, so each query is a plain string as before.
    """
    names = {key: Identifier(name) for key, name in tables.items()}
    return SQL(template).format(**names).as_string()


async def fetch_rows(
    pool: AsyncConnectionPool[Any], query: str, params: Params
) -> list[dict[str, Any]]:
    async with pool.connection() as conn, conn.cursor(row_factory=dict_row) as curs:
        await curs.execute(query, params)
        rows: list[dict[str, Any]] = await curs.fetchall()
        return rows


@dataclass(frozen=True)
class ReadModelTables:
    """The public SQL views of a read model kept in one table (names given by the composition
    root)."""

    table: str  # its rows
    tracking: str  # how far it has processed each application


class PostgresReader(Generic[Record]):
    """A reader of one PostgreSQL read model: its rows made records, and its position (how far
    the read model has processed each application, from its tracking table)."""

    def __init__(
        self,
        pool: AsyncConnectionPool[Any],
        tracking: str,
        record: Callable[[dict[str, Any]], Record],
    ) -> None:
        self._pool = pool
        self._record = record
        self._position = with_tables(
            "SELECT notification_id FROM {tracking} WHERE application_name = %s", tracking=tracking
        )

    async def position(self, application_name: str) -> int:
        rows = await fetch_rows(self._pool, self._position, (application_name,))
        return int(rows[0]["notification_id"]) if rows else 0

    async def _fetch(self, query: str, params: Params) -> list[Record]:
        return [self._record(row) for row in await fetch_rows(self._pool, query, params)]
