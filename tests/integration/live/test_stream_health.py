"""The stream's health in the api: the ingest posts each stream's measures (input bitrate,
frame rate, encoder speed, rungs) to Redis while it publishes; only the owner reads them."""

from __future__ import annotations

import asyncio

from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    publish,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import owner_and_stream

HEALTH = """query($id: ID!) { liveStream(id: $id) { status
  health { inputBitrate frameRate encoderSpeed rungs droppedFrames updatedAt } } }"""


async def health_of(http, stream_id: str, token: str | None) -> dict | None:
    data = await gql(http, HEALTH, {"id": stream_id}, token=token)
    return data["liveStream"]["health"]  # type: ignore[no-any-return]


async def test_the_owner_sees_the_streams_health_while_it_publishes(http, settings, endpoints):
    own = ingest_settings(settings)
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    viewer = await register(http)
    assert await health_of(http, stream_id, owner["accessToken"]) is None  # nothing published
    async with ingest_running(own, endpoints):
        publisher = await publish(rtmp_url(own, created["streamKey"]), 30)
        try:
            await wait_status(http, stream_id, "LIVE")
            async with asyncio.timeout(30):
                while True:
                    health = await health_of(http, stream_id, owner["accessToken"])
                    if health and health["encoderSpeed"] and health["inputBitrate"]:
                        break
                    await asyncio.sleep(0.5)
            assert health["rungs"] == 2
            assert health["inputBitrate"] > 10_000
            assert 20 <= health["frameRate"] <= 40
            assert health["encoderSpeed"] > 0
            assert await health_of(http, stream_id, viewer["accessToken"]) is None
            assert await health_of(http, stream_id, None) is None
        finally:
            await stop(publisher)
