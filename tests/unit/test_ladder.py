"""Ladder planning and probe judging, without ffmpeg."""

from __future__ import annotations

from uuid import uuid4

import pytest

from kino.domain.errors import ForbiddenError
from kino.domain.video_values import Rendition
from kino.infrastructure.media.hls import master_playlist
from kino.infrastructure.media.ladder import plan_ladder
from kino.infrastructure.media.probe import Probe, ProbeRejected, judge
from kino.infrastructure.uploads import UploadTokens


def probe(width: int, height: int, *, video: bool = True) -> Probe:
    return Probe(4.0, width, height, 30.0, video, True, "mov")


@pytest.mark.parametrize(
    ("width", "height", "names"),
    [
        (3840, 2160, ["144p", "240p", "360p", "480p", "720p", "1080p", "1440p", "2160p"]),
        (1920, 1080, ["144p", "240p", "360p", "480p", "720p", "1080p"]),
        (1280, 544, ["144p", "240p", "360p", "480p", "544p"]),
        (1080, 1920, ["144p", "240p", "360p", "480p", "720p", "1080p"]),
        (501, 281, ["144p", "240p", "280p"]),
        (160, 90, ["90p"]),
    ],
)
def test_ladder_is_capped_at_the_source_and_keeps_an_in_between_size(width, height, names):
    rungs = plan_ladder(probe(width, height))
    assert [rung.name for rung in rungs] == names
    assert [rung.video_bitrate for rung in rungs] == sorted(r.video_bitrate for r in rungs)
    assert all(rung.portrait == (height > width) for rung in rungs)


def test_audio_only_is_one_audio_rung():
    assert [rung.name for rung in plan_ladder(probe(0, 0, video=False))] == ["audio"]


def stream(**fields):
    return {
        "codec_type": "video",
        "codec_name": "h264",
        "width": 1920,
        "height": 1080,
        "avg_frame_rate": "30/1",
        **fields,
    }


def test_judge_applies_limits_and_rotation():
    rotated = judge(
        {"format": {"duration": "5"}, "streams": [stream(side_data_list=[{"rotation": -90}])]}, 3600
    )
    assert (rotated.width, rotated.height) == (1080, 1920)
    cover_art = {"codec_type": "video", "codec_name": "mjpeg", "disposition": {"attached_pic": 1}}
    audio = judge(
        {
            "format": {"duration": "5"},
            "streams": [{"codec_type": "audio", "codec_name": "mp3"}, cover_art],
        },
        3600,
    )
    assert not audio.has_video
    wav = judge(
        {
            "format": {"duration": "5"},
            "streams": [{"codec_type": "audio", "codec_name": "pcm_s16le"}],
        },
        3600,
    )
    assert wav.has_audio
    for data, words in [
        ({"format": {"duration": "5"}, "streams": []}, "neither"),
        (
            {"format": {"duration": "7201"}, "streams": [stream()]},
            "This video is 2.1 hours long; videos can be at most 1 hour long.",
        ),
        ({"format": {"duration": "5"}, "streams": [stream(width=8000, height=4400)]}, "8K"),
        ({"format": {"duration": "5"}, "streams": [stream(codec_name="gif")]}, "not supported"),
        ({"format": {}, "streams": [stream()]}, "no playable duration"),
    ]:
        with pytest.raises(ProbeRejected, match=words):
            judge(data, 3600)


def test_master_playlist_lists_renditions_lowest_first():
    text = master_playlist(
        [
            Rendition("720p", 1280, 720, 3000, "avc1,mp4a", "v/hls/720p/index.m3u8"),
            Rendition("144p", 256, 144, 300, "avc1,mp4a", "v/hls/144p/index.m3u8"),
        ]
    )
    assert text.index("144p/index.m3u8") < text.index("720p/index.m3u8")
    assert 'RESOLUTION=256x144,CODECS="avc1,mp4a"' in text


def test_upload_tokens_are_bound_to_one_video_and_expire():
    tokens = UploadTokens("k" * 40, 60)
    video, user = uuid4(), uuid4()
    token, _ = tokens.issue(video, user, 10)
    assert tokens.verify(token, video).user_id == user
    with pytest.raises(ForbiddenError, match="another video"):
        tokens.verify(token, uuid4())
    with pytest.raises(ForbiddenError, match="not valid"):
        UploadTokens("other" * 10, 60).verify(token, video)
    expired, _ = UploadTokens("k" * 40, -1).issue(video, user, 10)
    with pytest.raises(ForbiddenError, match="expired"):
        tokens.verify(expired, video)


def test_the_ladder_command_caps_the_frame_rate_and_forces_aligned_keyframes(tmp_path):
    from kino.infrastructure.media.ladder import ladder_command

    fast = Probe(4.0, 1280, 720, 120.0, True, True, "mov")
    argv = ladder_command(tmp_path / "in", tmp_path, plan_ladder(fast), fast, "veryfast")
    graph = argv[argv.index("-filter_complex") + 1]
    assert graph.startswith("[0:v:0]fps=60,split=5")
    assert argv[argv.index("-g") + 1] == "120"
    assert argv[argv.index("-sc_threshold") + 1] == "0"
    assert "expr:gte(t,n_forced*2)" in argv
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"
    assert "hls" not in argv[argv.index("-format_whitelist") + 1].split(",")
