"""Blue/green rebuilds: under write load readers never see an empty or partial read model,
the result equals a rebuild from scratch, and an interrupted rebuild resumes."""

from __future__ import annotations

import secrets
import signal
import threading

import psycopg
import pytest

from kino.commands.accounts import Accounts
from kino.commands.videos import Videos
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.passwords import FastPasswords
from tests.integration.recovery_helpers import (
    clean_namespace,
    fresh_database,
    kino,
    kino_env,
    pg_value,
    position,
    users_checksum,
    wait_for,
    write_users,
)


@pytest.fixture
def rebuild_endpoints(run_id, endpoints):
    with fresh_database(run_id, f"rebuild{secrets.token_hex(2)}", endpoints) as fresh:
        yield fresh


def test_rebuild_all_under_load_keeps_readers_whole(
    rebuild_endpoints, tmp_path, run_id, redis_client
):
    database = rebuild_endpoints.database_url
    initial = 1_500
    write_users(database, initial)
    namespace = f"kinotest{run_id}rb"
    env = kino_env(rebuild_endpoints, tmp_path, namespace)
    projector = kino(env, "projector", capture=False)
    stop = threading.Event()
    problems: list[str] = []
    written: list[str] = []
    reads = {"count": 0}
    try:
        head = write_users(database, 0) or initial * 4
        wait_for(lambda: position(database, "users_tracking") >= head, "the projector")
        sessions_pointer = f"{namespace}:sessions:live"

        def writer() -> None:
            """Registrations and uploads (about 20 a second) for the whole rebuild."""
            accounts = Accounts(env=eventstore_env(database), passwords=FastPasswords())
            videos = Videos(env=eventstore_env(database))
            while not stop.wait(0.05):
                handle = f"w_{secrets.token_hex(5)}"
                grant = accounts.register(f"{handle}@example.com", handle, "correct horse battery")
                videos.create_upload(
                    grant.user_id,
                    title=f"Clip of {handle}",
                    filename="c.mp4",
                    size_bytes=1000,
                    content_type="video/mp4",
                )
                written.append(handle)
            accounts.close()
            videos.close()

        last_videos = [0]

        def reader() -> None:
            last = initial
            with psycopg.connect(database, autocommit=True) as conn:
                while not stop.is_set():
                    count = conn.execute("SELECT count(*) FROM users_users").fetchone()[0]
                    reads["count"] += 1
                    if count < last:
                        problems.append(f"users went from {last} to {count}")
                    last = count
                    videos_now = conn.execute("SELECT count(*) FROM videos_videos").fetchone()[0]
                    if videos_now < last_videos[0]:
                        problems.append(f"videos went from {last_videos[0]} to {videos_now}")
                    last_videos[0] = videos_now
                    generation = (redis_client.get(sessions_pointer) or b"?").decode()
                    sessions = sum(
                        1
                        for _ in redis_client.scan_iter(
                            match=f"{namespace}:sessions_g{generation}:session:*", count=2000
                        )
                    )
                    if sessions < initial:
                        problems.append(f"sessions g{generation} had only {sessions}")

        threads = [threading.Thread(target=writer), threading.Thread(target=reader)]
        for thread in threads:
            thread.start()
        rebuild = kino(env, "projections", "rebuild", "--all")
        output, _ = rebuild.communicate(timeout=300)
        stop.set()
        for thread in threads:
            thread.join(60)
        assert rebuild.returncode == 0, output
        assert "users: rebuilt g2 (was g1)" in output
        assert "sessions: rebuilt g2 (was g1)" in output
        assert "videos: rebuilt g2 (was g1)" in output
        assert problems == []
        assert reads["count"] > 10
        assert written, "the writer wrote nothing during the rebuild"

        # Writes during the rebuild were not lost: the live projector follows g2.
        head = int(pg_value(database, "SELECT max(notification_id) FROM accounts_events"))  # type: ignore[call-overload]
        wait_for(lambda: position(database, "users_tracking") >= head, "the projector on g2")
        after = users_checksum(database)
        assert after[:3] == (initial + len(written),) * 3
        wait_for(
            lambda: (
                position(database, "videos_tracking", "videos")
                >= int(pg_value(database, "SELECT max(notification_id) FROM videos_events"))
            ),  # type: ignore[call-overload]
            "the videos projection on g2",
        )
        assert pg_value(database, "SELECT count(*) FROM videos_videos") == len(written)
        assert pg_value(database, "SELECT to_regclass('users_g1_users')") is None  # g1 dropped

        # And equal to a rebuild from scratch.
        again = kino(env, "projections", "rebuild", "users")
        output, _ = again.communicate(timeout=300)
        assert again.returncode == 0, output
        assert users_checksum(database) == after
    finally:
        stop.set()
        projector.terminate()
        projector.wait(30)
        clean_namespace(redis_client, namespace)


def test_interrupted_rebuild_resumes_and_finishes(
    rebuild_endpoints, tmp_path, run_id, redis_client
):
    database = rebuild_endpoints.database_url
    users = 10_000  # 40,000 events: a batched rebuild takes long enough to be interrupted
    write_users(database, users)
    namespace = f"kinotest{run_id}rs"
    env = kino_env(rebuild_endpoints, tmp_path, namespace)
    first = kino(env, "projections", "rebuild", "users", capture=False)
    try:
        wait_for(lambda: position(database, "users_g2_tracking") >= 500, "the rebuild")
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait()
    assert position(database, "users_g2_tracking") < users * 4
    state = pg_value(
        database, "SELECT building FROM kino_projection_generations WHERE name = 'users'"
    )
    assert state == 2

    second = kino(env, "projections", "rebuild", "users")
    output, _ = second.communicate(timeout=300)
    assert second.returncode == 0, output
    assert "users: resumed and finished g2" in output
    assert users_checksum(database)[:3] == (users, users, users)
    status = kino(env, "projections", "status")
    output, _ = status.communicate(timeout=60)
    assert status.returncode == 0
    assert "g2" in output
    clean_namespace(redis_client, namespace)
