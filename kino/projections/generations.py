"""Which generation of each read model is live, and which one is being rebuilt.

The PostgreSQL table ``kino_projection_generations`` is the source of truth. A switch
re-points the public SQL views and updates the row in one transaction, so readers move
from a complete old generation to a complete new one at once. Redis readers follow a
pointer key ``<namespace>:<name>:live`` that the switch sets after that commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg.rows import TupleRow, class_row
from psycopg.sql import SQL, Identifier

_TABLE = "kino_projection_generations"
_DDL = """
CREATE TABLE IF NOT EXISTS kino_projection_generations (
    name text PRIMARY KEY,
    live integer NOT NULL,
    building integer,
    updated_at timestamptz NOT NULL DEFAULT now()
)"""


SwitchGuard = Callable[[psycopg.Connection[Any]], bool]


@dataclass(frozen=True)
class GenerationState:
    name: str
    live: int
    building: int | None


def generation_name(base: str, generation: int) -> str:
    return f"{base}_g{generation}"


class Generations:
    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._created = False

    def _connect(self) -> psycopg.Connection[TupleRow]:
        conn = psycopg.connect(self.conninfo, autocommit=False)
        if not self._created:
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_TABLE,))
                conn.execute(_DDL)
            self._created = True
        return conn

    def live(self, name: str) -> int:
        """The live generation; cheap enough to ask every supervision tick."""
        return self.get(name).live

    def get(self, name: str) -> GenerationState:
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "INSERT INTO kino_projection_generations (name, live) VALUES (%s, 1) "
                "ON CONFLICT (name) DO NOTHING",
                (name,),
            )
            with conn.cursor(row_factory=class_row(GenerationState)) as curs:
                state = curs.execute(
                    "SELECT name, live, building FROM kino_projection_generations WHERE name = %s",
                    (name,),
                ).fetchone()
        assert state is not None  # inserted above when missing
        return state

    def begin_rebuild(self, name: str) -> tuple[int, bool]:
        """The generation to build (resuming an interrupted one); True when resuming."""
        state = self.get(name)
        if state.building is not None:
            return state.building, True
        generation = state.live + 1
        with self._connect() as conn, conn.transaction():
            conn.execute(
                "UPDATE kino_projection_generations SET building = %s, updated_at = now() "
                "WHERE name = %s",
                (generation, name),
            )
        return generation, False

    def switch(
        self, name: str, generation: int, views: dict[str, str], guard: SwitchGuard | None = None
    ) -> bool:
        """Make ``generation`` live: re-point ``views`` (public → table) and the row, atomically.

        ``guard`` runs first in the same transaction; when it answers False nothing changes.
        """
        with self._connect() as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (name,))
            if guard is not None and not guard(conn):
                return False
            for public, table in views.items():
                conn.execute(SQL("DROP VIEW IF EXISTS {0}").format(Identifier(public)))
                conn.execute(
                    SQL("CREATE VIEW {0} AS SELECT * FROM {1}").format(
                        Identifier(public), Identifier(table)
                    )
                )
            conn.execute(
                "UPDATE kino_projection_generations SET live = %s, building = NULL, "
                "updated_at = now() WHERE name = %s",
                (generation, name),
            )
        return True

    def all(self) -> list[GenerationState]:
        with self._connect() as conn, conn.cursor(row_factory=class_row(GenerationState)) as curs:
            return curs.execute(
                "SELECT name, live, building FROM kino_projection_generations ORDER BY name"
            ).fetchall()
