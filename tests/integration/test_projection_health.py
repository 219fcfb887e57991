"""A projection that keeps failing is visible: /readyz answers 503 naming it (within 30 s),
`kino projections status` shows its error and since when, a metric counts the failures; once
the cause is gone it recovers and /readyz is 200 again.

The failure is real, not a hook: a CHECK constraint added to the users read model refuses one
user's row, as a read model that cannot store an event does (a NUL byte, a changed schema).
"""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.commands.live import LiveStreams
from kino.infrastructure.embedded import free_port
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.passwords import FastPasswords
from tests.conftest import make_settings
from tests.integration.recovery_helpers import (
    clean_namespace,
    fresh_database,
    kino,
    kino_env,
    pg_value,
    position,
    wait_for,
    write_users,
)

ACCEPTANCE_SECONDS = 30  # "a projection forced to fail makes /readyz 503 with its name within 30 s"
POISON = "ALTER TABLE users_g1_users ADD CONSTRAINT kino_test_poison CHECK (handle <> 'poison_0')"
CURE = "ALTER TABLE users_g1_users DROP CONSTRAINT kino_test_poison"
NO_ROOMS = "ALTER TABLE chat_events ADD CONSTRAINT kino_test_no_rooms CHECK (false) NOT VALID"
ROOMS = "ALTER TABLE chat_events DROP CONSTRAINT kino_test_no_rooms"
CHAT_TABLE = "SELECT to_regclass('chat_tracking') IS NOT NULL"


@pytest.fixture
def health_endpoints(run_id, endpoints, redis_client):
    with fresh_database(run_id, f"health{secrets.token_hex(2)}", endpoints) as fresh:
        yield fresh
    clean_namespace(redis_client, f"kinotest{run_id}health")


def status(env: dict[str, str]) -> str:
    process = kino({**env, "COLUMNS": "250"}, "projections", "status")
    output, _ = process.communicate(timeout=120)
    assert process.returncode == 0, output
    return output


def scrape(port: int) -> str:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).text
    except httpx.HTTPError:
        return ""


def metric(text: str, name: str) -> float:
    found = re.search(rf'^{name}{{application="accounts",projection="users"}} (\S+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


async def wait_async(
    condition: Callable[[], Awaitable[bool]], what: str, timeout: float = 60
) -> None:
    deadline = time.monotonic() + timeout
    while not await condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.1)


async def readiness(api: AsyncTestClient[Any]) -> tuple[int, dict[str, Any]]:
    response = await api.get("/readyz")
    return response.status_code, response.json()


async def ready(api: AsyncTestClient[Any]) -> bool:
    return (await readiness(api))[0] == 200


def execute(database_url: str, statement: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(statement)


async def test_failing_projection_fails_readiness_until_it_recovers(
    health_endpoints, tmp_path, run_id
):
    database = health_endpoints.database_url
    namespace = f"kinotest{run_id}health"
    settings = make_settings(tmp_path, health_endpoints, namespace)
    env = kino_env(health_endpoints, tmp_path, namespace)
    metrics_port = free_port()
    projector = kino({**env, "KINO_METRICS_PORT": str(metrics_port)}, "projector", capture=False)
    services = build_container(settings, health_endpoints, Overrides(passwords=FastPasswords()))
    try:
        async with AsyncTestClient(app=create_app(services)) as api:
            healthy = write_users(database, 1, prefix="healthy")
            wait_for(lambda: position(database, "users_g1_tracking") >= healthy, "the projector")
            await wait_async(lambda: ready(api), "/readyz 200 with a projector running")
            assert (await readiness(api))[1]["checks"]["projections"] == "ok"

            execute(database, POISON)
            poisoned_at = time.monotonic()
            head = write_users(database, 1, prefix="poison")

            async def names_users() -> bool:
                code, body = await readiness(api)
                return code == 503 and "users" in body.get("projections", {})

            await wait_async(names_users, "/readyz to name the users projection")
            assert time.monotonic() - poisoned_at < ACCEPTANCE_SECONDS
            _, body = await readiness(api)
            assert body["failing"] == ["projections"]
            assert body["checks"] == {
                "postgres": "ok",
                "redis": "ok",
                "projections": "failing",
                "nats": "ok",
            }
            assert set(body["projections"]) == {"users"}  # sessions read the same events fine
            assert body["projections"]["users"]["status"] == "failing"
            assert "check constraint" not in str(body)  # the error stays off the public endpoint

            wait_for(lambda: metric(scrape(metrics_port), "kino_projection_failing") == 1, "gauge")
            text = scrape(metrics_port)
            assert metric(text, "kino_projection_failures_total") >= 1
            report = status(env)
            line = next(line for line in report.splitlines() if line.startswith("users: "))
            assert re.search(r"failing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", line), line
            assert 'violates check constraint "kino_test_poison"' in line
            assert "poison0@example.com" not in report  # the failing row's data is not shown
            assert "FAILING" in report
            assert position(database, "users_g1_tracking") < head

            # The cause removed: the next retry gets past the event, and readiness comes back.
            execute(database, CURE)
            await wait_async(lambda: ready(api), "/readyz 200 after recovery", timeout=120)
            assert position(database, "users_g1_tracking") == head
            assert pg_value(database, "SELECT count(*) FROM users_users") == 2
            assert "users: failing" not in status(env)
            wait_for(lambda: metric(scrape(metrics_port), "kino_projection_failing") == 0, "gauge")
    finally:
        projector.terminate()
        assert projector.wait(30) == 0


async def test_redis_views_and_processes_fail_and_recover_the_same_way(
    health_endpoints, tmp_path, run_id, redis_client
):
    database = health_endpoints.database_url
    namespace = f"kinotest{run_id}health"
    settings = make_settings(tmp_path, health_endpoints, namespace)
    env = kino_env(health_endpoints, tmp_path, namespace)
    tracking_key = f"{namespace}:sessions_g1:tracking:accounts"
    projector = kino(env, "projector", capture=False)
    services = build_container(settings, health_endpoints, Overrides(passwords=FastPasswords()))
    live = LiveStreams(env=eventstore_env(database))
    try:
        async with AsyncTestClient(app=create_app(services)) as api:
            first = write_users(database, 1, prefix="before")
            wait_for(lambda: int(redis_client.get(tracking_key) or 0) >= first, "sessions")
            wait_for(lambda: pg_value(database, CHAT_TABLE) is True, "the chat process")
            await wait_async(lambda: ready(api), "/readyz 200 with a projector running")

            # The sessions view's position key gets the wrong type: every call on it fails.
            redis_client.delete(tracking_key)
            redis_client.hset(tracking_key, "broken", "1")
            # The chat process cannot record the room it opens for a new stream.
            execute(database, NO_ROOMS)
            head = write_users(database, 1, prefix="during")
            live.create_stream(uuid4(), "A stream whose room cannot open yet")

            async def both_named() -> bool:
                code, body = await readiness(api)
                return code == 503 and set(body.get("projections", {})) == {
                    "sessions",
                    "chat_rooms",
                }

            await wait_async(both_named, "/readyz to name sessions and chat_rooms")
            report = status(env)
            assert "sessions: failing since" in report
            assert "WRONGTYPE" in report
            assert "chat_rooms: failing since" in report
            assert 'violates check constraint "kino_test_no_rooms"' in report

            redis_client.delete(tracking_key)  # the view replays from the first event
            execute(database, ROOMS)
            await wait_async(lambda: ready(api), "/readyz 200 after recovery", timeout=120)
            assert int(redis_client.get(tracking_key) or 0) == head
            assert pg_value(database, "SELECT count(*) FROM chat_events") == 1  # the room
    finally:
        live.close()
        projector.terminate()
        assert projector.wait(30) == 0
