"""Pending sign-ins in Redis: namespaced, expiring, single-use even under concurrency."""

from __future__ import annotations

import asyncio

import redis.asyncio as aioredis

from kino.infrastructure.oidc import FlowStore
from tests.conftest import REDIS_URL


async def test_a_flow_is_taken_once_even_by_concurrent_attempts(redis_namespace):
    client = aioredis.Redis.from_url(REDIS_URL)
    try:
        flows = FlowStore(client, redis_namespace)
        state, flow = await flows.start("local", "http://kino.test/auth/callback")
        keys = [key async for key in client.scan_iter(match=f"{redis_namespace}:oidc:flow:*")]
        assert keys
        assert all(state.encode() not in key for key in keys)  # only a hash of the state
        ttls = [await client.ttl(key) for key in keys]
        assert all(0 < ttl <= 600 for ttl in ttls)

        taken = await asyncio.gather(*(flows.take(state) for _ in range(8)))
        assert [result for result in taken if result is not None] == [flow]
        assert await flows.take(state) is None
    finally:
        await client.aclose()


async def test_a_flow_read_after_its_expiry_is_refused(redis_namespace):
    client = aioredis.Redis.from_url(REDIS_URL)
    now = [1_000_000.0]
    try:
        flows = FlowStore(client, redis_namespace, clock=lambda: now[0])
        state, _flow = await flows.start("local", "http://kino.test/auth/callback")
        now[0] += 600
        assert await flows.take(state) is None
    finally:
        await client.aclose()
