"""hls.js in headless Chromium plays a live stream from the api: it advances, switching
rungs changes the decoded height, and playback goes on across an encoder's reconnect."""

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
from tests.integration.live.player import PLAYER, player_page, state
from tests.integration.live_helpers import owner_and_stream


async def wait_for(page, check, timeout: float = 20) -> dict:
    async with asyncio.timeout(timeout):
        while True:
            now = await state(page)
            assert now["errors"] == [], now
            if check(now):
                return now
            await asyncio.sleep(0.2)


async def test_hls_js_plays_live_advances_and_switches_rungs(http, api, settings, endpoints):
    own = ingest_settings(settings)
    _, created = await owner_and_stream(http)
    async with ingest_running(own, endpoints):
        publisher = await publish(rtmp_url(own, created["streamKey"]), 60)
        try:
            live = await wait_status(http, created["stream"]["id"], "LIVE")
            playback = live["playbackUrl"].replace(settings.public_url, api.url)
            async with player_page(api.url) as page:
                await page.evaluate(PLAYER, playback)
                first = await wait_for(page, lambda s: s["time"] > 1 and s["height"] > 0)
                assert sorted(first["levels"]) == [240, 360]
                later = await wait_for(page, lambda s: s["time"] > first["time"] + 2)
                other = 0 if later["levels"][0] != later["height"] else 1
                await page.evaluate(f"() => {{ hls.currentLevel = {other}; }}")
                target = later["levels"][other]
                switched = await wait_for(page, lambda s: s["height"] == target)
                await wait_for(page, lambda s: s["time"] > switched["time"] + 1)
        finally:
            await stop(publisher)


async def test_hls_js_keeps_playing_across_a_reconnect(http, api, settings, endpoints):
    own = ingest_settings(settings, reconnect_seconds=60)
    _, created = await owner_and_stream(http)
    url = rtmp_url(own, created["streamKey"])
    async with ingest_running(own, endpoints) as ingest:
        first = await publish(url, 60)
        second = None
        try:
            live = await wait_status(http, created["stream"]["id"], "LIVE")
            rung = urlsplit(live["playbackUrl"]).path.rsplit("/", 1)[0] + "/240p/index.m3u8"
            async with player_page(api.url) as page:
                await page.evaluate(
                    PLAYER, live["playbackUrl"].replace(settings.public_url, api.url)
                )
                await wait_for(page, lambda s: s["time"] > 2)
                await stop(first)  # the encoder goes away...
                async with asyncio.timeout(20):
                    while ingest.sessions:
                        await asyncio.sleep(0.1)
                second = await publish(url, 60)  # ...and comes back within the grace
                async with asyncio.timeout(30):
                    while "s2_" not in (playlist := (await http.get(rung)).text):
                        await asyncio.sleep(0.2)
                assert "#EXT-X-DISCONTINUITY" in playlist
                # Everything of the first session was buffered by now: playing beyond it
                # plays the second session.
                then = await state(page)
                await wait_for(page, lambda s: s["time"] > then["buffered"] + 3, timeout=60)
        finally:
            await stop(first)
            if second is not None:
                await stop(second)
