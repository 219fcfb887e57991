"""Projection health, shared between processes through PostgreSQL.

The projector writes one row per projection every supervision tick (``reported_at`` is the
database's clock, so pods need not agree on the time): whether it is failing, since when,
how many failures in a row, and the last error, shortened (first line, no credentials).
The api's ``/readyz`` and ``kino projections status`` read it. PostgreSQL, not Redis: the
state must outlive a Redis restart, and every process already reaches PostgreSQL.

A row not refreshed for ``STALE_AFTER_SECONDS`` means no projector runs that projection:
long enough for a normal projector restart, short enough that a dead one is noticed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from kino.infrastructure.probes import PROBE_TIMEOUT

STALE_AFTER_SECONDS = 60.0
MAX_ERROR_LENGTH = 300

_TABLE = "kino_projection_health"
_DDL = """
CREATE TABLE IF NOT EXISTS kino_projection_health (
    name text PRIMARY KEY,
    failing_since timestamptz,
    failures integer NOT NULL DEFAULT 0,
    last_error text,
    last_failure_at timestamptz,
    reported_at timestamptz NOT NULL DEFAULT now()
)"""
_UPSERT = """
INSERT INTO kino_projection_health
    (name, failing_since, failures, last_error, last_failure_at, reported_at)
VALUES (%s, %s, %s, %s, %s, now())
ON CONFLICT (name) DO UPDATE SET
    failing_since = EXCLUDED.failing_since, failures = EXCLUDED.failures,
    last_error = EXCLUDED.last_error, last_failure_at = EXCLUDED.last_failure_at,
    reported_at = EXCLUDED.reported_at"""
_SELECT = """
SELECT name, failing_since, failures, last_error, last_failure_at,
       extract(epoch FROM now() - reported_at)::float8 AS age
FROM kino_projection_health ORDER BY name"""
_EXISTS = "SELECT to_regclass('kino_projection_health') IS NOT NULL"

_URL_CREDENTIALS = re.compile(r"([a-z][a-z0-9+.-]*://)[^/@\s]+@", re.IGNORECASE)
_PASSWORD_PARAMETER = re.compile(r"(password\s*=\s*)\S+", re.IGNORECASE)


def short_error(error: BaseException) -> str:
    """``Type: first line of the message``, without credentials, bounded in length."""
    lines = str(error).strip().splitlines()
    text = f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
    text = _PASSWORD_PARAMETER.sub(r"\1***", _URL_CREDENTIALS.sub(r"\1***@", text))
    return text[:MAX_ERROR_LENGTH]


@dataclass(frozen=True)
class HealthReport:
    """One projection's state as the projector sees it."""

    name: str
    failing_since: datetime | None = None
    failures: int = 0  # in a row, since ``failing_since``
    last_error: str | None = None
    last_failure_at: datetime | None = None


@dataclass(frozen=True)
class StoredHealth(HealthReport):
    reported_seconds_ago: float = 0.0

    @property
    def stale(self) -> bool:
        return self.reported_seconds_ago > STALE_AFTER_SECONDS

    @property
    def failing(self) -> bool:
        return self.failing_since is not None


def _stored(row: Sequence[Any]) -> StoredHealth:
    name, since, failures, error, failed_at, age = row
    return StoredHealth(str(name), since, int(failures), error, failed_at, float(age))


class ProjectionHealthStore:
    """The projector's writer (one connection, reopened after an error) and a plain reader."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._conn: psycopg.Connection[Any] | None = None

    def _connection(self) -> psycopg.Connection[Any]:
        if self._conn is None or self._conn.closed:
            conn = psycopg.connect(self.conninfo, autocommit=True)
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (_TABLE,))
                conn.execute(_DDL)
            self._conn = conn
        return self._conn

    def record(self, reports: Sequence[HealthReport]) -> None:
        try:
            conn = self._connection()
            with conn.transaction(), conn.cursor() as curs:
                curs.executemany(
                    _UPSERT,
                    [
                        (r.name, r.failing_since, r.failures, r.last_error, r.last_failure_at)
                        for r in reports
                    ],
                )
        except psycopg.Error:
            self.close()
            raise

    def forget_others(self, names: Sequence[str]) -> None:
        """Drop rows of projections nobody reports any more (removed ones)."""
        conn = self._connection()
        conn.execute(
            "DELETE FROM kino_projection_health WHERE name <> ALL(%s) "
            "AND reported_at < now() - make_interval(secs => %s)",
            (list(names), STALE_AFTER_SECONDS),
        )

    def load(self) -> list[StoredHealth]:
        """Every row; none when no projector has ever run on this database."""
        with psycopg.connect(self.conninfo) as conn:
            exists = conn.execute(_EXISTS).fetchone()
            if not exists or not exists[0]:
                return []
            return [_stored(row) for row in conn.execute(_SELECT).fetchall()]

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()


class UnhealthyProjectionsError(Exception):
    """Some projections fail or are not run: ``problems`` maps each to what /readyz shows."""

    def __init__(self, problems: dict[str, dict[str, object]]) -> None:
        super().__init__(", ".join(sorted(problems)))
        self.problems = problems


def readiness_problems(rows: Sequence[StoredHealth]) -> dict[str, dict[str, object]]:
    """Failing or unreported projections, with since when (no error text: /readyz is public)."""
    problems: dict[str, dict[str, object]] = {}
    for row in rows:
        if row.failing and row.failing_since is not None:
            problems[row.name] = {
                "status": "failing",
                "since": row.failing_since.isoformat(),
                "failures": row.failures,
            }
        elif row.stale:
            problems[row.name] = {
                "status": "not running",
                "seconds_since_report": round(row.reported_seconds_ago),
            }
    return problems


async def check_projections(pool: AsyncConnectionPool[Any]) -> None:
    """The readiness probe: raise ``UnhealthyProjectionsError`` naming those in trouble."""
    async with pool.connection(timeout=PROBE_TIMEOUT) as conn:
        exists = await (await conn.execute(_EXISTS)).fetchone()
        if not exists or not exists[0]:
            return  # no projector has reported yet
        rows = [_stored(row) for row in await (await conn.execute(_SELECT)).fetchall()]
    problems = readiness_problems(rows)
    if problems:
        raise UnhealthyProjectionsError(problems)
