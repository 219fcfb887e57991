"""A 2160p60 publish on this 2-core machine (H.264 + AAC over RTMP, 3840x2160 at 60 fps):
the ladder is capped at the configured heights and 30 fps, the stream goes LIVE, its
playlists keep advancing and hls.js plays it. A rung the encoder cannot keep up with is
dropped with a log line naming it, and leaves the master playlist."""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from kino.infrastructure.live.ladder import MAX_FPS, VIDEO_CODEC
from kino.infrastructure.settings import LiveSettings
from kino.workers import live_session
from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    publish_file,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live.player import PLAYER, player_page, state
from tests.integration.live_helpers import owner_and_stream

LADDER = LiveSettings().ladder  # the default ladder: 720p, 480p, 360p
RUNG = re.compile(r"RESOLUTION=(\d+)x(\d+),CODECS=\"([^\"]+)\"[^\n]*\n([^\n]+)/index\.m3u8")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def uhd_clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four seconds of 3840x2160 at 60 fps, a keyframe every second, and a tone, encoded
    ahead (ultrafast, 6 Mb/s), so that publishing it in a loop costs only copying."""
    path = tmp_path_factory.mktemp("uhd") / "uhd60.flv"
    subprocess.run(
        [
            "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
            "-f", "lavfi", "-i", "testsrc2=size=3840x2160:rate=60:duration=4",
            "-f", "lavfi", "-i", "sine=frequency=440:duration=4",
            "-c:v", "libx264", "-preset", "ultrafast", "-g", "60", "-pix_fmt", "yuv420p",
            "-b:v", "6M", "-maxrate", "6M", "-bufsize", "6M",
            "-c:a", "aac", "-b:a", "64k", "-shortest", str(path),
        ],
        check=True,
    )  # fmt: skip
    return path


def rungs_of(master: str) -> list[tuple[int, str, str]]:
    """(height, codecs, folder) of every rung the master playlist lists."""
    return [(int(h), codecs, name) for _, h, codecs, name in RUNG.findall(master)]


def media_sequence(playlist: str) -> int:
    found = re.search(r"#EXT-X-MEDIA-SEQUENCE:(\d+)", playlist)
    return int(found[1]) if found else -1


def probe_video(segment: bytes) -> dict[str, str]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-of", "json",
         "-show_entries", "stream=height,r_frame_rate", "-"],
        input=segment, capture_output=True, check=True,
    ).stdout  # fmt: skip
    stream: dict[str, str] = json.loads(out)["streams"][0]
    return stream


async def advanced(http, url: str, segments: int) -> str:
    """The playlist at ``url`` once its media sequence moved ``segments`` on."""
    first = media_sequence((await http.get(url)).text)
    async with asyncio.timeout(90):
        while media_sequence(playlist := (await http.get(url)).text) < first + segments:
            await asyncio.sleep(0.5)
    return playlist


async def played(page, seconds: float, check=lambda now: True) -> dict:
    """The player's state once it played ``seconds`` more (and ``check`` holds); no fatal
    error on the way."""
    start = (await state(page))["time"]
    async with asyncio.timeout(90):
        while (now := await state(page))["time"] < start + seconds or not check(now):
            assert now["errors"] == [], now
            await asyncio.sleep(0.3)
    return now


async def listed(http, playback: str) -> list[int]:
    """The heights the master playlist lists now."""
    return [h for h, _, _ in rungs_of((await http.get(playback)).text)]


async def plays_on(page, http, playback: str, top: int) -> bool:
    """True once the player played 2 s on the ``top`` rung; False if that rung left the
    master playlist first (the encoder gave it up by itself)."""
    start = (await state(page))["time"]
    async with asyncio.timeout(90):
        while True:
            now = await state(page)
            assert now["errors"] == [], now
            if now["height"] == top and now["time"] >= start + 2:
                return True
            if top not in await listed(http, playback):
                return False
            await asyncio.sleep(0.3)


async def test_a_2160p60_publish_is_capped_degrades_and_plays(
    http, api, settings, endpoints, uhd_clip, capsys, monkeypatch
):
    own = ingest_settings(settings, ladder=LADDER, reconnect_seconds=60)
    _, created = await owner_and_stream(http)
    async with ingest_running(own, endpoints) as ingest:
        publisher = await publish_file(rtmp_url(own, created["streamKey"]), uhd_clip, 150)
        try:
            live = await wait_status(http, created["stream"]["id"], "LIVE", timeout=90)
            playback = urlsplit(live["playbackUrl"]).path
            base = playback.rsplit("/", 1)[0]
            master = (await http.get(playback)).text
            # Capped: the configured heights (none above the source), or the lowest of them
            # if the encoder already gave one up; all encoded (60 fps is never passed through).
            heights = [h for h, _, _ in rungs_of(master)]
            assert heights and heights == list(LADDER[len(LADDER) - len(heights) :]), master
            assert all(codecs.startswith(VIDEO_CODEC) for _, codecs, _ in rungs_of(master))
            # The playlists keep advancing (the lowest rung: the last to be dropped) and their
            # segments are 30 fps.
            lowest = f"{base}/{heights[-1]}p"
            playlist = await advanced(http, f"{lowest}/index.m3u8", 5)
            name = [line for line in playlist.splitlines() if line.endswith(".ts")][-1]
            segment = await http.get(f"{lowest}/{name}")
            assert segment.status_code == 200
            video = probe_video(segment.content)
            assert (int(video["height"]), video["r_frame_rate"]) == (heights[-1], f"{MAX_FPS}/1")
            async with player_page(api.url) as page:
                await page.evaluate(
                    PLAYER, live["playbackUrl"].replace(settings.public_url, api.url)
                )
                await played(page, 1)
                # The viewer picks the top rung (as from the player's quality menu).
                top = (await listed(http, playback))[0]
                await page.evaluate(
                    f"() => {{ hls.currentLevel = hls.levels.findIndex(l => l.height === {top}); }}"
                )
                # Degraded: the encoder is judged too slow, so its top rung is dropped (on a
                # loaded machine it may give it up by itself first); the viewer on that rung
                # moves to another one and keeps playing.
                if (
                    await plays_on(page, http, playback, top)
                    and len(await listed(http, playback)) > 1
                ):
                    monkeypatch.setattr(live_session, "SLOW_SECONDS", 2)
                    monkeypatch.setattr(live_session, "SLOW_SPEED", float("inf"))
                    async with asyncio.timeout(60):
                        while top in await listed(http, playback):
                            await asyncio.sleep(0.3)
                monkeypatch.setattr(live_session, "SLOW_SPEED", 0.0)  # no drop from here on
                if top in await listed(http, playback):  # the only rung left: nothing to drop
                    await played(page, 4)
                else:
                    after = await played(page, 4, lambda now: now["height"] != top)
                    assert after["height"] in LADDER and after["height"] < top
        finally:
            sessions = list(ingest.sessions.values())
            await stop(publisher)
        async with asyncio.timeout(30):  # the session has ended: no rung is dropped after this
            while any(s.task is None or not s.task.done() for s in sessions) or ingest.sessions:
                await asyncio.sleep(0.2)
        final = await listed(http, playback)
    logged = ANSI.sub("", capsys.readouterr().out)
    assert "source=3840x2160@60" in logged and "fps=30" in logged
    # Every rung dropped was logged with its name, and only those left the master playlist.
    dropped = re.findall(r"dropping the highest encoded rung.*?dropped=(\d+)p", logged)
    assert dropped and final == [h for h in LADDER if str(h) not in dropped]
    print(f"2160p60: rungs at LIVE {heights}, dropped {dropped}, kept {final}")
    print(
        *[line for line in logged.splitlines() if "session started" in line or "real time" in line]
    )
