"""Disconnects and the end: a reconnect within the grace continues the same stream and
playlists; after the grace the stream is ENDED and its recording (both sessions) becomes a
READY video; ``saveRecording: false`` makes none; ``endLiveStream`` drops the publisher."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit

import pytest

from tests.integration.conftest import GraphQLError, gql
from tests.integration.live.ingest_helpers import (
    STREAM,
    ingest_running,
    ingest_settings,
    publish,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import SEND, owner_and_stream
from tests.integration.videos.helpers import wait_for_video

NO_RECORDING = """mutation { createLiveStream(title: "Quick", saveRecording: false) {
  streamKey stream { id } } }"""
END = "mutation($id: ID!) { endLiveStream(id: $id) { status } }"


async def finished(process: asyncio.subprocess.Process) -> int:
    async with asyncio.timeout(30):
        return await process.wait()


async def test_reconnect_continues_then_ends_and_the_recording_is_a_video(
    http, settings, endpoints, transcoder
):
    own = ingest_settings(settings, reconnect_seconds=4)
    owner, created = await owner_and_stream(http)
    stream_id, url = created["stream"]["id"], rtmp_url(settings=own, key=created["streamKey"])
    async with ingest_running(own, endpoints):
        publisher = await publish(url, 8)
        first = await wait_status(http, stream_id, "LIVE")  # while the first session runs
        assert await finished(publisher) == 0
        assert await finished(await publish(url, 5)) == 0  # within the grace
        again = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
        assert again["status"] == "LIVE"
        assert again["playbackUrl"] == first["playbackUrl"]
        base = urlsplit(first["playbackUrl"]).path.rsplit("/", 1)[0]
        playlist = (await http.get(f"{base}/240p/index.m3u8")).text
        assert "#EXT-X-DISCONTINUITY" in playlist
        assert "s2_" in playlist
        ended = await wait_status(http, stream_id, "ENDED", timeout=30)
        assert ended["endedAt"] is not None
        async with asyncio.timeout(60):
            while (await gql(http, STREAM, {"id": stream_id}))["liveStream"]["recording"] is None:
                await asyncio.sleep(0.3)
    stream = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
    video = await wait_for_video(http, owner["accessToken"], stream["recording"]["id"])
    assert video["status"] == "READY"
    stream = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
    recording = stream["recording"]
    assert recording["owner"]["id"] == owner["user"]["id"]
    assert recording["visibility"] == "PUBLIC" and recording["title"] == "Launch"
    assert abs(recording["durationSeconds"] - 13) <= 2, recording


async def test_no_recording_when_not_asked_and_end_drops_the_publisher(http, settings, endpoints):
    """Chat works during the broadcast and closes when it ends."""
    own = ingest_settings(settings, reconnect_seconds=30)
    owner, _ = await owner_and_stream(http)
    made = (await gql(http, NO_RECORDING, token=owner["accessToken"]))["createLiveStream"]
    stream_id = made["stream"]["id"]
    async with ingest_running(own, endpoints) as ingest:
        publisher = await publish(rtmp_url(own, made["streamKey"]), 60)
        try:
            await wait_status(http, stream_id, "LIVE")
            said = await gql(http, SEND, {"s": stream_id, "b": "hi"}, token=owner["accessToken"])
            assert said["sendChatMessage"]["body"] == "hi"
            await gql(http, END, {"id": stream_id}, token=owner["accessToken"])
            asked = time.monotonic()
            await finished(publisher)
            assert time.monotonic() - asked < 5
        finally:
            await stop(publisher)
        await wait_status(http, stream_id, "ENDED")
        async with asyncio.timeout(20):
            while ingest.graces:  # the ingest has finished with the stream
                await asyncio.sleep(0.2)
    stream = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
    assert stream["recording"] is None
    with pytest.raises(GraphQLError) as closed:
        await gql(http, SEND, {"s": stream_id, "b": "late"}, token=owner["accessToken"])
    assert closed.value.code == "FORBIDDEN"


async def test_a_stopped_ingest_lets_another_take_the_reconnect(http, settings, endpoints):
    first, second = ingest_settings(settings), ingest_settings(settings, reconnect_seconds=2)
    _, created = await owner_and_stream(http)
    stream_id, key = created["stream"]["id"], created["streamKey"]
    async with ingest_running(second, endpoints):
        async with ingest_running(first, endpoints):
            publisher = await publish(rtmp_url(first, key), 60)
            await wait_status(http, stream_id, "LIVE")
        await stop(publisher)  # the first ingest stopped (a rollout): its encoder was dropped
        again = await publish(rtmp_url(second, key), 4)
        assert await finished(again) == 0  # the other replica took it
        ended = await wait_status(http, stream_id, "ENDED", timeout=30)
        assert ended["endedAt"] is not None
