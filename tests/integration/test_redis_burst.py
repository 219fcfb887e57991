"""More concurrent Redis calls than the api has connections wait for one instead of failing.

Found by the chaos campaign (bench/chaos): when an api was killed, its hundred chat
subscribers reconnected to the other api at once and each read the history; requests beyond
redis-py's default pool (100 connections, which raises instead of waiting) failed with
INTERNAL ("Too many connections"), chat sends among them."""

from __future__ import annotations

import asyncio

from kino.bootstrap.api import REDIS_CONNECTIONS, api_redis
from tests.conftest import REDIS_URL


async def test_a_burst_beyond_the_pool_waits_for_connections(
    redis_namespace: str,
) -> None:
    client = api_redis(REDIS_URL)
    key = f"{redis_namespace}:burst"
    calls = REDIS_CONNECTIONS * 2
    try:
        # Each BLPOP holds its connection until its timeout: twice the pool at once.
        results = await asyncio.gather(
            *(client.blpop([key], timeout=0.1) for _ in range(calls)), return_exceptions=True
        )
    finally:
        await client.aclose()

    assert results == [None] * calls
