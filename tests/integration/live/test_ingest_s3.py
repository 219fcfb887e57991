"""Live media on S3 (moto's server): the ingest stores segments and playlists in the bucket,
an api replica that shares nothing with the ingest but the bucket serves them, segments that
left the window are deleted from it, and the stream's live objects go when it ends."""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Iterator
from uuid import UUID

import httpx
import pytest

from kino.domain.live import live_prefix
from kino.infrastructure.live.ladder import WINDOW
from kino.infrastructure.live.segments import KEEP_RETIRED
from kino.infrastructure.settings import S3Settings, Settings
from kino.infrastructure.storage.s3 import S3Store
from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    publish,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import api_server, owner_and_stream

SEGMENT = re.compile(r"^s\d+_(\d+)\.ts$")


@pytest.fixture(scope="module")
def s3_settings(settings: Settings) -> Iterator[Settings]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    bucket = f"kino-live-{secrets.token_hex(4)}"
    yield settings.with_overrides(s3=S3Settings(f"http://{host}:{port}", "t", "s", bucket, False))
    server.stop()


def segments_in(store: S3Store, prefix: str) -> list[str]:
    """The segment names stored under ``prefix`` (a rung's folder), oldest first."""
    names = [info.key.rsplit("/", 1)[1] for info in store.list(prefix)]
    found = [name for name in names if SEGMENT.match(name)]
    return sorted(found, key=lambda name: int(SEGMENT.match(name)[1]))  # type: ignore[index]


async def test_live_media_on_s3_is_served_by_another_api_and_pruned(
    http, settings, s3_settings, endpoints
):
    assert s3_settings.s3 is not None
    store = S3Store(**vars(s3_settings.s3))
    own = ingest_settings(s3_settings)
    _, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    rung = f"{live_prefix(UUID(stream_id))}hls/240p/"
    async with ingest_running(own, endpoints), api_server(s3_settings, endpoints) as replica:
        publisher = await publish(rtmp_url(own, created["streamKey"]), 60)
        try:
            live = await wait_status(http, stream_id, "LIVE")
            playback = live["playbackUrl"].replace(settings.public_url, "")
            base = playback.rsplit("/", 1)[0]
            # Nothing live is on the filesystem store of the test's own api: it is all in S3.
            assert (await http.get(playback)).status_code == 404
            async with httpx.AsyncClient(base_url=replica.url) as viewer:
                master = await viewer.get(playback)
                assert master.status_code == 200 and "240p/index.m3u8" in master.text
                playlist = (await viewer.get(f"{base}/240p/index.m3u8")).text
                newest = [line for line in playlist.splitlines() if SEGMENT.match(line)][-1]
                segment = await viewer.get(f"{base}/240p/{newest}")
                assert segment.status_code == 200 and segment.content[:1] == b"G"
                assert "immutable" in segment.headers["cache-control"]
                # The first segments leave the window and are deleted from the bucket; what
                # is stored stays bounded.
                first = segments_in(store, rung)[0]
                async with asyncio.timeout(60):
                    while first in (stored := segments_in(store, rung)):
                        await asyncio.sleep(0.5)
                assert len(stored) <= WINDOW + KEEP_RETIRED + 2, stored  # a sync in flight
                assert (await viewer.get(f"{base}/240p/{first}")).status_code == 404
                playlist = (await viewer.get(f"{base}/240p/index.m3u8")).text
                assert first not in playlist
                listed = re.findall(r"^s\d+_\d+\.ts$", playlist, re.MULTILINE)
                assert listed and set(listed) <= set(segments_in(store, rung))  # all stored
        finally:
            await stop(publisher)
        # After the grace the stream ends and its live objects leave the bucket.
        await wait_status(http, stream_id, "ENDED", timeout=30)
        async with asyncio.timeout(60):
            while store.list(f"{live_prefix(UUID(stream_id))}hls/"):
                await asyncio.sleep(0.5)
