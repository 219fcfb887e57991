"""Kill the projector while it catches up 10,000 events, restart it: the read models equal a
rebuild from scratch (checksums), with no duplicates and no gaps."""

from __future__ import annotations

import signal

import pytest

from tests.integration.recovery_helpers import (
    clean_namespace,
    fresh_database,
    kino,
    kino_env,
    position,
    sessions_snapshot,
    users_checksum,
    wait_for,
    write_users,
)

USERS = 2_500  # four events each: 10,000 events


@pytest.fixture
def recovery_endpoints(run_id, endpoints):
    with fresh_database(run_id, "recovery", endpoints) as fresh:
        yield fresh


def test_killed_projector_resumes_and_matches_a_rebuild(
    recovery_endpoints, tmp_path, run_id, redis_client
):
    database = recovery_endpoints.database_url
    head = write_users(database, USERS)
    assert head == USERS * 4
    namespace = f"kinotest{run_id}rec"
    env = kino_env(recovery_endpoints, tmp_path, namespace)

    projector = kino(env, "projector", capture=False)
    try:
        wait_for(lambda: position(database, "users_g1_tracking") >= 2_000, "the projector")
    finally:
        projector.send_signal(signal.SIGKILL)
        projector.wait()
    killed_at = position(database, "users_g1_tracking")
    assert 2_000 <= killed_at < head, "the projector was not killed in the middle of catching up"

    restarted = kino(env, "projector", capture=False)
    sessions_prefix = f"{namespace}:sessions_g1"
    try:
        wait_for(lambda: position(database, "users_g1_tracking") == head, "users to catch up")
        wait_for(
            lambda: int(redis_client.get(f"{sessions_prefix}:tracking:accounts") or 0) == head,
            "sessions to catch up",
        )
    finally:
        restarted.terminate()
        assert restarted.wait(30) == 0

    resumed = users_checksum(database)
    assert resumed[:3] == (USERS, USERS, USERS)  # no duplicates, no gaps
    resumed_sessions = sessions_snapshot(redis_client, sessions_prefix)
    assert len(resumed_sessions) == USERS

    # A rebuild from scratch (generation 2, fresh tables and keys) gives identical read models.
    rebuild = kino(env, "projections", "rebuild", "--all")
    output, _ = rebuild.communicate(timeout=300)
    assert rebuild.returncode == 0, output
    assert "users: rebuilt g2" in output
    assert users_checksum(database) == resumed
    assert users_checksum(database, "users_g2_users") == resumed
    assert sessions_snapshot(redis_client, f"{namespace}:sessions_g2") == resumed_sessions
    clean_namespace(redis_client, namespace)
