"""Bad input on the RTMP port: audio-only and video-only publishes, garbage bytes, a half-open
TCP connection. Each gets a clear log line; nothing crashes; another live stream goes on."""

from __future__ import annotations

import asyncio
import secrets
from urllib.parse import urlsplit

from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    publish,
    refused,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import owner_and_stream


async def media_sequence(http, playback: str) -> int:
    text = (await http.get(playback.rsplit("/", 1)[0] + "/240p/index.m3u8")).text
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA-SEQUENCE:"):
            return int(line.split(":", 1)[1])
    return -1


async def test_bad_input_leaves_other_streams_alone(http, settings, endpoints, capsys):
    own = ingest_settings(settings)
    _, good = await owner_and_stream(http)
    _, audio_only = await owner_and_stream(http)
    _, video_only = await owner_and_stream(http)
    async with ingest_running(own, endpoints):
        publisher = await publish(rtmp_url(own, good["streamKey"]), 60)
        try:
            live = await wait_status(http, good["stream"]["id"], "LIVE")
            playback = urlsplit(live["playbackUrl"]).path
            before = await media_sequence(http, playback)
            # Garbage and a half-open connection on the RTMP port.
            _, garbage = await asyncio.open_connection("127.0.0.1", own.rtmp_port)
            garbage.write(secrets.token_bytes(4096))
            await garbage.drain()
            _, half_open = await asyncio.open_connection("127.0.0.1", own.rtmp_port)
            # Audio only: refused with a reason; video only: live, without audio.
            no_video = publish(rtmp_url(own, audio_only["streamKey"]), 30, video=False)
            await refused(await no_video, timeout=20)
            silent = await publish(rtmp_url(own, video_only["streamKey"]), 30, audio=False)
            silent_live = await wait_status(http, video_only["stream"]["id"], "LIVE")
            master = (await http.get(urlsplit(silent_live["playbackUrl"]).path)).text
            assert 'CODECS="avc1.4d4028"' in master and "TYPE=AUDIO" not in master
            await stop(silent)
            garbage.close()
            half_open.close()
            assert publisher.returncode is None
            async with asyncio.timeout(10):
                while await media_sequence(http, playback) <= before + 3:
                    await asyncio.sleep(0.3)  # the good stream still advances
        finally:
            await stop(publisher)
    logged = capsys.readouterr().out
    assert "the publish has no video (audio-only streams are not supported)" in logged
