"""`kino events tail|show|replay` against a real event store, and every process's /metrics."""

from __future__ import annotations

import secrets

import httpx
import pytest

from kino.commands.accounts import Accounts
from kino.infrastructure.embedded import free_port
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.passwords import FastPasswords
from tests.integration.recovery_helpers import (
    clean_namespace,
    fresh_database,
    kino,
    kino_env,
    position,
    users_checksum,
    wait_for,
)


@pytest.fixture
def ops(run_id, endpoints, tmp_path, redis_client):
    with fresh_database(run_id, f"ops{secrets.token_hex(2)}", endpoints) as fresh:
        namespace = f"kinotest{run_id}ops"
        env = kino_env(fresh, tmp_path, namespace)
        yield fresh, env
        clean_namespace(redis_client, namespace)


def run(env: dict[str, str], *args: str) -> str:
    process = kino({**env, "COLUMNS": "250"}, *args)
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def test_show_at_version_tail_and_replay(ops):
    endpoints, env = ops
    accounts = Accounts(env=eventstore_env(endpoints.database_url), passwords=FastPasswords())
    grant = accounts.register("ops@example.com", "ops_user", "correct horse battery", "First")
    user = accounts.repository.get(grant.user_id)
    user.rename("Second")
    accounts.save(user)
    user.rename("Third")
    accounts.save(user)
    head = accounts.recorder.max_notification_id()
    accounts.close()

    history = run(env, "events", "show", str(grant.user_id), "--at-version", "2")
    assert "3 events" in history
    assert "User.DisplayNameChanged" in history
    assert '"display_name": "Second"' in history.split("state at version 2:")[1]
    assert "argon2" not in history  # the password hash is masked
    first = run(env, "events", "show", str(grant.user_id), "--at-version", "1")
    assert '"display_name": "First"' in first.split("state at version 1:")[1]
    latest = run(env, "events", "show", str(grant.user_id))
    assert '"display_name": "Third"' in latest.split("state at version 3:")[1]
    missing = kino(env, "events", "show", "00000000-0000-0000-0000-000000000000")
    assert "no aggregate" in missing.communicate(timeout=60)[0]
    assert missing.returncode == 1

    tail = run(env, "events", "tail", "--app", "accounts", "--limit", "3")
    lines = [line for line in tail.splitlines() if line.strip()]
    assert len(lines) == 3
    assert lines[-1].split()[0] == str(head)
    assert "User.DisplayNameChanged" in lines[-1]

    projector = kino(env, "projector", capture=False)
    try:
        wait_for(lambda: position(endpoints.database_url, "users_tracking") >= head, "projector")
    finally:
        projector.terminate()
        projector.wait(30)
    replayed = run(
        env,
        "events",
        "replay",
        "--app",
        "accounts",
        "--from",
        "1",
        "--to",
        str(head),
        "--into",
        "users",
    )
    assert f"replayed {head} events" in replayed
    assert users_checksum(endpoints.database_url, "users_scratch_users") == users_checksum(
        endpoints.database_url
    )


def test_projector_metrics_after_real_traffic(ops):
    endpoints, env = ops
    accounts = Accounts(env=eventstore_env(endpoints.database_url), passwords=FastPasswords())
    accounts.register("m@example.com", "metric_user", "correct horse battery")
    head = accounts.recorder.max_notification_id()
    accounts.close()
    port = free_port()
    projector = kino({**env, "KINO_METRICS_PORT": str(port)}, "projector", capture=False)
    try:
        wait_for(lambda: position(endpoints.database_url, "users_tracking") >= head, "projector")

        def scraped() -> str:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
            except httpx.HTTPError:
                return ""

        wait_for(
            lambda: (
                f'kino_projection_position{{application="accounts",projection="users"}} {head}.0'
                in scraped()
            ),
            "the projector's metrics",
        )
        text = scraped()
        assert 'kino_projection_lag_events{application="accounts",projection="users"} 0.0' in text
        assert (
            f'kino_projection_head{{application="accounts",projection="sessions"}} {head}.0' in text
        )
    finally:
        projector.terminate()
        projector.wait(30)


async def test_api_metrics_count_events_written(client):
    await client.post(
        "/graphql",
        json={
            "query": """mutation { register(email: "mx@example.com",
        handle: "metrics_api", password: "correct horse battery") { accessToken } }"""
        },
    )
    text = (await client.get("/metrics")).text
    assert 'kino_events_written_total{application="accounts",type="User.Registered"}' in text
    assert 'kino_events_written_total{application="accounts",type="Session.Started"}' in text
    assert (
        'kino_graphql_operations_total{operation="register",outcome="ok",type="mutation"}' in text
    )


def test_tail_follow_prints_events_as_they_are_written(ops):
    endpoints, env = ops
    accounts = Accounts(env=eventstore_env(endpoints.database_url), passwords=FastPasswords())
    accounts.register("before@example.com", "before_user", "correct horse battery")
    follower = kino({**env, "COLUMNS": "250"}, "events", "tail", "--follow", "--limit", "1")
    try:
        assert follower.stdout is not None
        first = follower.stdout.readline()
        assert "Session.Started" in first  # the last event already written
        grant = accounts.register("after@example.com", "after_user", "correct horse battery")
        seen = [follower.stdout.readline() for _ in range(4)]
        assert [line.split()[0] for line in seen] == [str(grant.position - 3 + i) for i in range(4)]
        assert "User.Registered" in seen[0]
        assert "after_user" in "".join(seen)
    finally:
        follower.terminate()
        follower.wait(30)
        accounts.close()
