"""Storyboards with real ffmpeg: every transcoded video gets a sprite of preview tiles and a
WebVTT index of it, served like the rest of its media (PRIVATE ones with the owner's media
token on every tile); the step is idempotent and a failure leaves the video without previews
instead of failing it."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path
from urllib.parse import urljoin
from uuid import UUID

from kino.commands.videos import Videos
from kino.domain.video_values import ProbeResult
from kino.infrastructure.media.probe import probe_upload
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.workers.storyboards import make_storyboard
from tests.integration.accounts_helpers import register
from tests.integration.videos import media
from tests.integration.videos.helpers import upload_file, wait_for_video

ORIGIN = {"Origin": "https://player.elsewhere.example"}


def tiles_of(index: str) -> list[str]:
    return [line for line in index.splitlines() if "#xywh=" in line]


def size_of(jpeg: bytes, tmp_path: Path) -> tuple[int, int]:
    path = tmp_path / "sprite.jpg"
    path.write_bytes(jpeg)
    stream = media.ffprobe_json(str(path), "-show_streams")["streams"][0]
    return int(stream["width"]), int(stream["height"])


def brightest(jpeg: Path, x: int, y: int, w: int, h: int) -> int:
    """The brightest luma of one tile (a tile left black by a missing frame is 0..~20)."""
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(jpeg), "-vf", f"crop={w}:{h}:{x}:{y}",
         "-f", "rawvideo", "-pix_fmt", "gray", "-"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    return max(raw)


async def test_a_transcoded_video_has_hover_previews(client, transcoder, settings, tmp_path):
    clip = media.video(tmp_path / "twelve.mp4", 640, 360, seconds=12)
    owner = await register(client)
    token = owner["accessToken"]
    public, private = await asyncio.gather(
        upload_file(client, token, clip),
        upload_file(client, token, clip, visibility="PRIVATE"),
    )
    ready = await wait_for_video(client, token, public["id"])
    assert ready["status"] == "READY", ready["failureReason"]
    url = ready["storyboardUrl"]
    assert url and url.endswith(f"/media/{ready['id']}/storyboard.vtt")

    index = await client.get(url, headers=ORIGIN)
    assert index.status_code == 200
    assert index.headers["content-type"].startswith("text/vtt")
    assert index.headers["access-control-allow-origin"] == "*"
    assert index.text.startswith("WEBVTT")
    tiles = tiles_of(index.text)
    assert len(tiles) == 12  # one a second: 12 s
    assert tiles[11] == "storyboard.jpg#xywh=160,90,160,90"
    sprite = await client.get(urljoin(url, tiles[0].split("#")[0]), headers=ORIGIN)
    assert sprite.status_code == 200
    assert sprite.headers["content-type"] == "image/jpeg"
    assert sprite.headers["access-control-allow-origin"] == "*"
    assert size_of(sprite.content, tmp_path) == (1600, 180)  # 10 columns, 2 rows
    stored = FilesystemStore(settings.data_dir / "objects").path(
        f"videos/{ready['id']}/storyboard.jpg"
    )
    assert brightest(stored, 160, 90, 160, 90) > 100  # the last tile holds a frame

    # PRIVATE: the owner's index carries the media token on every tile; nobody else's works.
    secret = await wait_for_video(client, token, private["id"])
    assert "token=" in secret["storyboardUrl"]
    index = await client.get(secret["storyboardUrl"])
    assert index.status_code == 200
    assert "private" in index.headers["cache-control"]
    tiles = tiles_of(index.text)
    assert tiles and all("?token=" in tile.split("#")[0] for tile in tiles)
    tile_url = urljoin(secret["storyboardUrl"], tiles[0].split("#")[0])
    assert (await client.get(tile_url)).status_code == 200
    assert (await client.get(tile_url.split("?")[0])).status_code == 404
    assert (await client.get(secret["storyboardUrl"].split("?")[0])).status_code == 404


def processing_video(app: Videos, probe: ProbeResult) -> UUID:
    owner = UUID(int=1)
    created = app.create_upload(
        owner, title="t", filename="f.mp4", size_bytes=1, content_type="video/mp4"
    )
    app.complete_upload(created.video_id, owner, 1)
    app.record_probe(created.video_id, probe)
    return created.video_id


async def test_the_step_is_idempotent_and_long_videos_decode_keyframes_only(tmp_path):
    app, store = Videos(env={}), FilesystemStore(tmp_path / "objects")
    # 1001 s: one tile every 11 s (91 tiles), from keyframes only.
    clip = media.video(tmp_path / "long.mp4", 64, 36, audio=False, rate=2, seconds=1001)
    probe = probe_upload(clip, timeout=60, max_duration=43200)
    video_id = processing_video(app, ProbeResult(probe.duration, 64, 36, True, False, ("36p",)))
    work = tmp_path / "work"
    work.mkdir()

    first = await make_storyboard(app, store, video_id, probe, clip, work, timeout=600)
    assert first is not None
    index = store.path(f"videos/{video_id}/storyboard.vtt").read_text()
    assert len(tiles_of(index)) == 91
    sprite = store.path(f"videos/{video_id}/storyboard.jpg")
    assert size_of(sprite.read_bytes(), tmp_path) == (1600, 900)
    assert brightest(sprite, 0, 810, 160, 90) > 100  # the 91st tile holds a frame

    again = await make_storyboard(app, store, video_id, probe, clip, work, timeout=600)
    assert again is None  # redelivered: nothing more is recorded
    assert app.get_video(video_id).storyboard_key == f"videos/{video_id}/storyboard.vtt"


async def test_a_storyboard_ffmpeg_cannot_make_leaves_the_video_without_previews(tmp_path):
    app, store = Videos(env={}), FilesystemStore(tmp_path / "objects")
    clip = media.video(tmp_path / "short.mp4", 160, 90, audio=False, seconds=2)
    probe = probe_upload(clip, timeout=60, max_duration=43200)
    video_id = processing_video(app, ProbeResult(probe.duration, 160, 90, True, False, ("90p",)))
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(clip.read_bytes()[:300])
    work = tmp_path / "work"
    work.mkdir()
    assert await make_storyboard(app, store, video_id, probe, broken, work, timeout=60) is None
    assert app.get_video(video_id).storyboard_key is None
    assert not store.path(f"videos/{video_id}/storyboard.vtt").exists()
