"""Bulk event writing, process running and read-model checksums shared by operations tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
import redis

from kino.bootstrap import Endpoints
from kino.commands.accounts import Accounts
from kino.domain.accounts import Session, UniqueKey, User
from kino.infrastructure.eventstore import eventstore_env
from tests.conftest import ADMIN_DATABASE_URL, _with_database


@contextmanager
def fresh_database(run_id: str, suffix: str, endpoints: Endpoints) -> Iterator[Endpoints]:
    name = f"kino_test_{run_id}_{suffix}"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield Endpoints(
            _with_database(ADMIN_DATABASE_URL, name), endpoints.redis_url, endpoints.nats_url
        )
    finally:
        with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def write_users(database_url: str, count: int, prefix: str = "u") -> int:
    """``count`` users in big saves (four events each); the head notification id."""
    accounts = Accounts(env=eventstore_env(database_url))
    expires = datetime.now(UTC) + timedelta(days=1)
    try:
        for start in range(0, count, 250):
            batch: list[object] = []
            for i in range(start, min(count, start + 250)):
                user = User(
                    email=f"{prefix}{i}@example.com",
                    handle=f"{prefix}_{i}",
                    display_name=f"U {i}",
                    password_hash=None,
                )
                batch += [
                    user,
                    UniqueKey(kind="email", key=f"{prefix}{i}@example.com", user_id=user.id),
                    UniqueKey(kind="handle", key=f"{prefix}_{i}", user_id=user.id),
                    Session(
                        user_id=user.id, method="password", token_hash="h" * 64, expires_at=expires
                    ),
                ]
            accounts.save(*batch)  # type: ignore[arg-type]
        return accounts.recorder.max_notification_id() or 0
    finally:
        accounts.close()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def pg_value(database_url: str, query: str) -> object:
    try:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(query).fetchone()
    except psycopg.errors.UndefinedTable:
        return None
    return row[0] if row else None


def position(database_url: str, tracking_table: str, application: str = "accounts") -> int:
    value = pg_value(
        database_url,
        f"SELECT coalesce(max(notification_id), 0) FROM "
        f"{tracking_table} WHERE application_name = '{application}'",
    )
    return int(value or 0)  # type: ignore[call-overload]


def users_checksum(database_url: str, table: str = "users_users") -> tuple[object, ...]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            f"SELECT count(*), count(DISTINCT id), count(DISTINCT handle), "
            f"md5(string_agg(id::text || handle || email || display_name || has_password::text "
            f"|| created_at::text, ',' ORDER BY id)) FROM {table}"
        ).fetchone()
    assert row is not None
    return tuple(row)


def sessions_snapshot(client: redis.Redis, prefix: str) -> dict[bytes, dict[bytes, bytes]]:
    return {
        key.removeprefix(prefix.encode()): client.hgetall(key)
        for key in client.scan_iter(match=f"{prefix}:session:*", count=1000)
    }


def kino_env(endpoints: Endpoints, data_dir: Path, namespace: str) -> dict[str, str]:
    return {
        **os.environ,
        "KINO_DATA_DIR": str(data_dir),
        "KINO_DATABASE_URL": endpoints.database_url,
        "KINO_REDIS_URL": endpoints.redis_url,
        "KINO_NATS_URL": endpoints.nats_url,
        "KINO_REDIS_NAMESPACE": namespace,
        "KINO_SECRET_KEY": "k" * 40,
        "KINO_LOG_FORMAT": "json",
    }


def kino(env: dict[str, str], *args: str, capture: bool = True) -> subprocess.Popen[str]:
    """Run `kino ARGS` (output captured unless ``capture`` is False)."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.Popen(
        [sys.executable, "-m", "kino", *args],
        env=env,
        text=True,
        stdout=output,
        stderr=subprocess.STDOUT,
    )


def clean_namespace(client: redis.Redis, namespace: str) -> None:
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        client.unlink(key)
