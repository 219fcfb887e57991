"""kill -9 of ``kino ingest`` while live: nginx and every ffmpeg die with it; after a
restart the encoder's reconnect resumes the stream within the grace, and what was recorded
before the kill is in the recording."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
import time

from tests.integration.conftest import gql
from tests.integration.live.ingest_helpers import (
    STREAM,
    alive,
    children_of,
    ingest_environment,
    ingest_settings,
    publish,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import owner_and_stream
from tests.integration.videos.helpers import wait_for_video


async def start_ingest(env: dict[str, str], port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kino", "ingest", env=env, stdout=None, stderr=None
    )
    async with asyncio.timeout(30):
        while True:
            assert process.returncode is None, "kino ingest exited"
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return process
            await asyncio.sleep(0.1)


async def test_kill_9_leaves_no_orphans_and_the_stream_resumes(
    http, settings, endpoints, transcoder
):
    own = ingest_settings(settings, reconnect_seconds=8)
    env = ingest_environment(own, endpoints)
    owner, created = await owner_and_stream(http)
    stream_id, url = created["stream"]["id"], rtmp_url(own, created["streamKey"])
    ingest = await start_ingest(env, own.rtmp_port)
    publisher = await publish(url, 60)
    began = time.monotonic()
    try:
        await wait_status(http, stream_id, "LIVE")
        await asyncio.sleep(2)
        children = children_of(ingest.pid)
        assert len(children) >= 2  # nginx and the ladder's ffmpeg
        ingest.send_signal(signal.SIGKILL)
        published_before = time.monotonic() - began
        await ingest.wait()
        async with asyncio.timeout(10):
            while any(alive(pid) for pid in children):
                await asyncio.sleep(0.1)
        async with asyncio.timeout(15):
            await publisher.wait()  # nginx went away: the encoder lost its connection
        ingest = await start_ingest(env, own.rtmp_port)
        again = await publish(url, 5)  # the encoder reconnects, within the grace
        async with asyncio.timeout(30):
            assert await again.wait() == 0
        assert (await gql(http, STREAM, {"id": stream_id}))["liveStream"]["status"] == "LIVE"
        await wait_status(http, stream_id, "ENDED", timeout=40)
        async with asyncio.timeout(60):
            while (await gql(http, STREAM, {"id": stream_id}))["liveStream"]["recording"] is None:
                await asyncio.sleep(0.3)
    finally:
        await stop(publisher)
        ingest.terminate()
        await ingest.wait()
    stream = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]
    video = await wait_for_video(http, owner["accessToken"], stream["recording"]["id"])
    assert video["status"] == "READY"
    recorded = (await gql(http, STREAM, {"id": stream_id}))["liveStream"]["recording"]
    # Both sessions: what came before the kill (about published_before, less start-up) + 5 s.
    assert published_before + 5 - 3 <= recorded["durationSeconds"] <= published_before + 5 + 1
