"""A restarted PostgreSQL (or a proxy that drops connections) kills every connection the
api holds in its pool: the next requests must not fail on them."""

from __future__ import annotations

import psycopg

from kino.bootstrap.api import API_POOL_NAME
from tests.integration.conftest import gql

VIDEOS = "{ videos(first: 5) { edges { node { id } } } }"
FRESH = {"Cache-Control": "no-cache"}  # past the response cache, to the database


def drop_the_apis_connections(database_url: str) -> int:
    """What a server restart does to the api's pool, without restarting the shared server
    (nor cutting the projector and the other tests' connections)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            (API_POOL_NAME,),
        ).fetchall()
    return len(rows)


async def test_requests_after_every_connection_dropped_all_succeed(client, database_url):
    for _ in range(3):  # fill the pool with open connections
        await gql(client, VIDEOS, headers=FRESH)
    assert drop_the_apis_connections(database_url) > 0
    for _ in range(12):  # more requests than the pool holds connections
        data = await gql(client, VIDEOS, headers=FRESH)
        assert "videos" in data
