"""Kill the projector while it catches up 10,000 events, restart it: the read models equal a
rebuild from scratch (checksums), with no duplicates and no gaps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
import redis

from kino.bootstrap import Endpoints, build_projector, projection_spec, redis_prefix
from kino.commands.accounts import Accounts
from kino.domain.accounts import Session, UniqueKey, User
from kino.infrastructure.eventstore import eventstore_env
from tests.conftest import ADMIN_DATABASE_URL, _with_database, make_settings

USERS = 2_500  # four events each: 10,000 events


@pytest.fixture
def fresh_endpoints(run_id: str, endpoints: Endpoints) -> Iterator[Endpoints]:
    name = f"kino_test_{run_id}_recovery"
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    yield Endpoints(
        _with_database(ADMIN_DATABASE_URL, name), endpoints.redis_url, endpoints.nats_url
    )
    with psycopg.connect(ADMIN_DATABASE_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def write_events(database_url: str) -> int:
    accounts = Accounts(env=eventstore_env(database_url))
    expires = datetime.now(UTC) + timedelta(days=1)
    try:
        for start in range(0, USERS, 250):
            batch: list[object] = []
            for i in range(start, start + 250):
                user = User(
                    email=f"u{i}@example.com",
                    handle=f"u_{i}",
                    display_name=f"U {i}",
                    password_hash=None,
                )
                batch += [
                    user,
                    UniqueKey(kind="email", key=f"u{i}@example.com", user_id=user.id),
                    UniqueKey(kind="handle", key=f"u_{i}", user_id=user.id),
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
    with psycopg.connect(database_url) as conn:
        row = conn.execute(query).fetchone()
    return row[0] if row else None


def users_checksum(database_url: str, table: str) -> tuple[object, ...]:
    with psycopg.connect(database_url) as conn:
        row = conn.execute(
            f"SELECT count(*), count(DISTINCT id), count(DISTINCT handle), "
            f"md5(string_agg(id::text || handle || email || display_name || has_password::text "
            f"|| created_at::text, ',' ORDER BY id)) FROM {table}"
        ).fetchone()
    assert row is not None
    return tuple(row)


def sessions_checksum(client: redis.Redis, prefix: str) -> tuple[int, int]:
    keys = sorted(client.scan_iter(match=f"{prefix}:session:*", count=1000))
    digest = hash(
        tuple(
            (key.removeprefix(prefix.encode()), tuple(sorted(client.hgetall(key).items())))
            for key in keys
        )
    )
    return len(keys), digest


def test_killed_projector_resumes_and_matches_a_rebuild(fresh_endpoints, tmp_path, run_id):
    head = write_events(fresh_endpoints.database_url)
    assert head == USERS * 4
    namespace = f"kinotest{run_id}rec"
    env = {
        **os.environ,
        "KINO_DATA_DIR": str(tmp_path),
        "KINO_DATABASE_URL": fresh_endpoints.database_url,
        "KINO_REDIS_URL": fresh_endpoints.redis_url,
        "KINO_NATS_URL": fresh_endpoints.nats_url,
        "KINO_REDIS_NAMESPACE": namespace,
        "KINO_SECRET_KEY": "k" * 40,
        "KINO_LOG_FORMAT": "json",
    }
    position_query = "SELECT coalesce(max(notification_id), 0) FROM users_g1_tracking"

    def users_position() -> int:
        try:
            return int(pg_value(fresh_endpoints.database_url, position_query) or 0)  # type: ignore[arg-type]
        except psycopg.errors.UndefinedTable:
            return 0

    projector = subprocess.Popen(
        [sys.executable, "-m", "kino", "projector"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(lambda: users_position() >= 2_000, "the projector to get going")
    finally:
        projector.send_signal(signal.SIGKILL)
        projector.wait()
    killed_at = users_position()
    assert 2_000 <= killed_at < head, "the projector was not killed in the middle of catching up"

    restarted = subprocess.Popen(
        [sys.executable, "-m", "kino", "projector"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis.from_url(fresh_endpoints.redis_url)
    sessions_prefix = f"{namespace}:sessions_g1"
    try:
        wait_for(lambda: users_position() == head, "the users read model to catch up")
        wait_for(
            lambda: int(client.get(f"{sessions_prefix}:tracking:accounts") or 0) == head,
            "the sessions read model to catch up",
        )
    finally:
        restarted.terminate()
        assert restarted.wait(30) == 0

    resumed = users_checksum(fresh_endpoints.database_url, "users_users")
    assert resumed[:3] == (USERS, USERS, USERS)  # no duplicates, no gaps
    resumed_sessions = sessions_checksum(client, sessions_prefix)
    assert resumed_sessions[0] == USERS

    # A rebuild from scratch into a new generation gives identical read models.
    settings = make_settings(tmp_path, fresh_endpoints, namespace)
    specs = (projection_spec("users"), projection_spec("sessions"))
    rebuild = build_projector(settings, fresh_endpoints, specs, poll_interval=0.1)
    for runner in rebuild.runners:
        runner.name = runner.name.replace("_g1", "_g2")
        runner.view = runner.make_view(runner.name)
    with rebuild:
        wait_for(lambda: all(r.position() == head for r in rebuild.runners), "the rebuild")
    assert users_checksum(fresh_endpoints.database_url, "users_g2_users") == resumed
    assert sessions_checksum(client, redis_prefix(settings, "sessions_g2")) == resumed_sessions
    for key in client.scan_iter(match=f"{namespace}:*", count=1000):
        client.unlink(key)
