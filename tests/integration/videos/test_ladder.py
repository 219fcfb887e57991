"""Upload → READY: the HLS ladder, capped at the source, lowest rung first, playable."""

from __future__ import annotations

from pathlib import Path

from kino.infrastructure.storage.filesystem import FilesystemStore
from tests.integration.accounts_helpers import register
from tests.integration.videos import media
from tests.integration.videos.helpers import upload_file, wait_for_video


def store_path(settings, url: str) -> Path:
    """The stored file behind a media URL (the filesystem store of this test run)."""
    video_id, _, rest = url.split("/media/", 1)[1].partition("/")
    return FilesystemStore(settings.data_dir / "objects").path(f"videos/{video_id}/{rest}")


async def test_1080p_clip_becomes_ready_with_an_aligned_six_rung_ladder(
    client, transcoder, clips, settings
):
    user = await register(client)
    token = user["accessToken"]
    video = await upload_file(client, token, clips["1080p"])
    assert video["status"] == "PROCESSING"

    ready = await wait_for_video(client, token, video["id"])
    assert ready["status"] == "READY", ready["failureReason"]
    names = [r["name"] for r in ready["renditions"]]
    assert names == ["144p", "240p", "360p", "480p", "720p", "1080p"]
    assert [r["height"] for r in ready["renditions"]] == [144, 240, 360, 480, 720, 1080]
    assert (ready["width"], ready["height"]) == (1920, 1080)
    assert ready["durationSeconds"] > media.SECONDS - 0.5
    assert ready["thumbnailUrl"]
    assert ready["playbackUrl"].endswith("/hls/master.m3u8")
    assert all(
        r["codecs"].startswith("avc1.") and "mp4a" in r["codecs"] for r in ready["renditions"]
    )

    master = await client.get(ready["playbackUrl"], headers={"Origin": "https://elsewhere.example"})
    assert master.status_code == 200
    assert master.headers["content-type"].startswith("application/vnd.apple.mpegurl")
    assert master.headers["access-control-allow-origin"] == "*"
    assert master.text.count("#EXT-X-STREAM-INF:") == 6
    assert "RESOLUTION=1920x1080" in master.text
    assert "CODECS=" in master.text

    keyframes, segments = {}, {}
    for rendition in ready["renditions"]:
        playlist = store_path(settings, rendition["playlistUrl"])
        probed = media.ffprobe_json(str(playlist), "-show_streams", "-count_packets")
        kinds = sorted(s["codec_type"] for s in probed["streams"])
        assert kinds == ["audio", "video"], rendition["name"]
        video_stream = next(s for s in probed["streams"] if s["codec_type"] == "video")
        assert int(video_stream["height"]) == rendition["height"]
        assert int(video_stream["nb_read_packets"]) > 0
        keyframes[rendition["name"]] = media.keyframe_times(playlist)
        segments[rendition["name"]] = media.segment_durations(playlist)
    assert len({tuple(times) for times in keyframes.values()}) == 1, keyframes
    assert len({tuple(durations) for durations in segments.values()}) == 1, segments
    assert len(keyframes["144p"]) >= 2

    thumbnail = await client.get(ready["thumbnailUrl"])
    assert thumbnail.status_code == 200
    assert thumbnail.headers["content-type"] == "image/jpeg"
    assert thumbnail.content[:2] == b"\xff\xd8"

    segment = (await client.get(ready["renditions"][0]["playlistUrl"])).text.splitlines()[-2]
    fetched = await client.get(ready["renditions"][0]["playlistUrl"].replace("index.m3u8", segment))
    assert fetched.status_code == 200
    assert fetched.headers["content-type"] == "video/iso.segment"


async def test_sources_keep_their_cap_orientation_and_odd_sizes(
    client, transcoder, clips, settings
):
    token = (await register(client))["accessToken"]
    uploads = {
        name: await upload_file(client, token, clips[name])
        for name in ("480p", "portrait", "rotated", "odd", "audio")
    }
    done = {name: await wait_for_video(client, token, v["id"]) for name, v in uploads.items()}
    for name, video in done.items():
        assert video["status"] == "READY", (name, video["failureReason"])

    sd = done["480p"]["renditions"]
    assert [r["name"] for r in sd] == ["144p", "240p", "360p", "480p"]
    assert max(r["height"] for r in sd) == 480

    for name in ("portrait", "rotated"):
        video = done[name]
        assert video["height"] > video["width"], name
        assert [r["name"] for r in video["renditions"]] == ["144p", "240p", "360p"]
        assert all(r["height"] > r["width"] for r in video["renditions"]), name
        first = store_path(settings, video["renditions"][-1]["playlistUrl"])
        stream = media.ffprobe_json(str(first), "-show_streams")["streams"][0]
        assert (stream["width"], stream["height"]) == (360, 640)

    odd = done["odd"]["renditions"]  # 501x281: between 240 and 360, kept as 280p, even sizes
    assert [r["name"] for r in odd] == ["144p", "240p", "280p"]
    assert all(r["width"] % 2 == 0 and r["height"] % 2 == 0 for r in odd)
    assert odd[-1]["height"] == 280

    audio = done["audio"]
    assert [r["name"] for r in audio["renditions"]] == ["audio"]
    assert audio["renditions"][0]["codecs"] == "mp4a.40.2"
    assert audio["width"] is None
    assert audio["thumbnailUrl"] is None
    playlist = store_path(settings, audio["renditions"][0]["playlistUrl"])
    kinds = [s["codec_type"] for s in media.ffprobe_json(str(playlist), "-show_streams")["streams"]]
    assert kinds == ["audio"]
