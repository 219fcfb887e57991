"""The embedded PostgreSQL's settings beyond pgserver's defaults."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import structlog

if TYPE_CHECKING:
    from pgserver.postgres_server import PostgresServer

log = structlog.get_logger(__name__)

# PostgreSQL's default (100) is less than Kino's processes hold at peak: each api's pools and
# the projector's listeners together reached it under the chaos campaign (bench/chaos), and
# the projector, starved ("too many clients already"), stopped every read model.
MAX_CONNECTIONS = 400


def allow_connections(server: PostgresServer) -> None:
    """Raise max_connections to MAX_CONNECTIONS (kept in postgresql.auto.conf, so a
    restart keeps it); takes a restart the first time only."""
    import psycopg
    from pgserver._commands import POSTGRES_BIN_PATH

    with psycopg.connect(server.get_uri(), autocommit=True) as conn:
        row = conn.execute("SHOW max_connections").fetchone()
        if row is not None and int(row[0]) >= MAX_CONNECTIONS:
            return
        conn.execute(f"ALTER SYSTEM SET max_connections = {MAX_CONNECTIONS}")
    log.info("restarting embedded PostgreSQL", max_connections=MAX_CONNECTIONS)
    stop = [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(server.pgdata), "-m", "fast", "stop"]
    subprocess.run(stop, check=True, user=server.system_user, capture_output=True, timeout=60)  # noqa: S603
    with server._lock:
        server.ensure_postgres_running()


def start_postgres(pgdata: Path) -> PostgresServer:
    """pgserver's PostgreSQL on ``pgdata`` (initialised on first use), stopped with
    ``cleanup()``, allowing MAX_CONNECTIONS."""
    from pgserver.postgres_server import get_server

    server = get_server(pgdata, cleanup_mode="stop")
    allow_connections(server)
    return server
