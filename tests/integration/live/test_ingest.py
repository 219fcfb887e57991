"""The RTMP ingest with real nginx-rtmp and ffmpeg publishing: authorisation at publish, the
live ladder in the object store served by the api, LIVE on the subscription."""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    publish,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import (
    Subscriber,
    live_channel,
    owner_and_stream,
    wait_subscribed,
)

WATCH = "subscription($id: ID!) { liveStream(id: $id) { id status startedAt playbackUrl } }"


async def test_publish_goes_live_and_plays_from_the_api(http, api, settings, endpoints):
    own = ingest_settings(settings)
    _, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    watcher = await Subscriber.connect(api.url)
    await watcher.subscribe(WATCH, {"id": stream_id})
    await wait_subscribed(endpoints.redis_url, live_channel(settings, stream_id))
    async with ingest_running(own, endpoints):
        publisher = await publish(rtmp_url(own, created["streamKey"]), 12)
        try:
            async with asyncio.timeout(10):
                message = await watcher.receive()
            live = message["payload"]["data"]["liveStream"]
            assert live["status"] == "LIVE"
            assert live["startedAt"] is not None
            playback = urlsplit(live["playbackUrl"]).path
            master = await http.get(playback)
            assert master.status_code == 200, master.text
            assert master.text.count("#EXT-X-STREAM-INF") == 2
            assert "RESOLUTION=640x360" in master.text and "RESOLUTION=426x240" in master.text
            # The publisher's H.264 has a keyframe every second: the top rung is the source.
            assert 'RESOLUTION=640x360,CODECS="avc1.42c01e,mp4a.40.2"' in master.text
            assert 'RESOLUTION=426x240,CODECS="avc1.4d4028,mp4a.40.2"' in master.text
            base = playback.rsplit("/", 1)[0]
            variant = await http.get(f"{base}/360p/index.m3u8")
            assert variant.status_code == 200
            assert "#EXT-X-PROGRAM-DATE-TIME" in variant.text
            segment = [line for line in variant.text.splitlines() if line.endswith(".ts")][-1]
            got = await http.get(f"{base}/360p/{segment}")
            assert got.status_code == 200 and got.content[:1] == b"G"  # MPEG-TS sync byte
            assert created["streamKey"] not in master.text + variant.text
        finally:
            await stop(publisher)
    await watcher.close()


async def test_a_source_with_rare_keyframes_is_encoded_on_every_rung(http, settings, endpoints):
    own = ingest_settings(settings)
    _, created = await owner_and_stream(http)
    async with ingest_running(own, endpoints):
        publisher = await publish(rtmp_url(own, created["streamKey"]), 20, gop_seconds=4)
        try:
            live = await wait_status(http, created["stream"]["id"], "LIVE")
            master = (await http.get(urlsplit(live["playbackUrl"]).path)).text
            assert master.count('CODECS="avc1.4d4028,mp4a.40.2"') == 2  # nothing passed through
        finally:
            await stop(publisher)
