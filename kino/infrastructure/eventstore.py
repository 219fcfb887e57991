"""The eventsourcing environment for the PostgreSQL event store, from a database URL."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qs, unquote, urlsplit

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.postgres import PostgresTrackingRecorder
from eventsourcing.utils import Environment

from kino.infrastructure.settings import SettingsError


def postgres_params(database_url: str) -> dict[str, str]:
    """Split ``postgresql://user:pass@host:port/db?host=/socket/dir`` into parts."""
    parts = urlsplit(database_url)
    query = parse_qs(parts.query)
    host = query.get("host", [parts.hostname or ""])[0]
    dbname = unquote(parts.path.lstrip("/"))
    if not host or not dbname:
        raise SettingsError(
            "KINO_DATABASE_URL must name a host (or ?host=socket_dir) and a database"
        )
    return {
        "host": host,
        "port": str(parts.port or query.get("port", ["5432"])[0]),
        "dbname": dbname,
        "user": unquote(parts.username or "postgres"),
        "password": unquote(parts.password or ""),
    }


def eventstore_env(
    database_url: str, *, pool_size: int = 2, max_overflow: int = 8
) -> dict[str, str]:
    """Environment for every eventsourcing Application and tracking recorder of Kino.

    ``pool_size`` connections are opened eagerly and kept; up to ``max_overflow`` more
    are opened under load. Keep the first small: every process and projection has pools.
    """
    params = postgres_params(database_url)
    return {
        "PERSISTENCE_MODULE": "kino.infrastructure.pgstore:LockedPostgresFactory",
        "POSTGRES_DBNAME": params["dbname"],
        "POSTGRES_HOST": params["host"],
        "POSTGRES_PORT": params["port"],
        "POSTGRES_USER": params["user"],
        "POSTGRES_PASSWORD": params["password"],
        "POSTGRES_POOL_SIZE": str(pool_size),
        "POSTGRES_MAX_OVERFLOW": str(max_overflow),
        "POSTGRES_LOCK_TIMEOUT": "10",
        "POSTGRES_CONNECT_TIMEOUT": "10",
        "POSTGRES_PRE_PING": "yes",
        # "no": eventsourcing 9.5.6 names its insert function es_insert_events_uuid for every
        # application, so with two applications in one database the last one created wins
        # and the other application's events land in its table. The function also skips
        # the table lock that keeps notification ids committed in order for followers.
        "POSTGRES_ENABLE_DB_FUNCTIONS": "no",
        "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "10",
    }


def tracking_recorder(name: str, env: Mapping[str, str]) -> PostgresTrackingRecorder:
    """The tracking table ``<name>_tracking``: the positions a follower has processed."""
    factory = InfrastructureFactory[PostgresTrackingRecorder].construct(env=Environment(name, env))
    return factory.tracking_recorder()


def psycopg_conninfo(database_url: str) -> str:
    """A libpq connection string for direct psycopg use (read models, tooling)."""
    params = postgres_params(database_url)
    pieces = [f"{key}={_quote(value)}" for key, value in params.items() if value]
    return " ".join([*pieces, "connect_timeout=10"])


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
