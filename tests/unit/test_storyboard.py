"""Storyboards (hover previews): the plan from the duration, the ffmpeg command, the WebVTT
index, the token-carrying index for PRIVATE videos and the event, without ffmpeg."""

from __future__ import annotations

from pathlib import Path
from uuid import uuid4

import pytest

from kino.commands.videos import Videos
from kino.domain.video_rules import storyboard_keys
from kino.domain.video_values import ProbeResult, Storyboard, VideoStatus
from kino.domain.videos import Video
from kino.http.media import cache_control, vtt_with_token
from kino.infrastructure.media.probe import Probe
from kino.infrastructure.media.storyboard import (
    MAX_TILES,
    plan_storyboard,
    storyboard_command,
    storyboard_vtt,
)


def probe(duration: float, width: int = 1920, height: int = 1080) -> Probe:
    return Probe(duration, width, height, 30.0, True, True, "mov")


@pytest.mark.parametrize(
    ("duration", "interval", "tiles"),
    [(0.4, 1, 1), (12.0, 1, 12), (100.0, 1, 100), (100.5, 2, 51), (3600.0, 36, 100),
     (43200.0, 432, 100)],
)  # fmt: skip
def test_the_interval_keeps_every_video_within_the_tile_budget(duration, interval, tiles):
    plan = plan_storyboard(probe(duration))
    assert (plan.interval, plan.tiles) == (interval, tiles)
    assert plan.tiles <= MAX_TILES
    assert plan.tiles * plan.interval >= duration > (plan.tiles - 1) * plan.interval


@pytest.mark.parametrize(
    ("width", "height", "tile"),
    [(1920, 1080, (160, 90)), (640, 480, (160, 120)), (360, 640, (90, 160)), (501, 281, (160, 90))],
)
def test_tiles_keep_the_picture_shape_with_even_sides(width, height, tile):
    plan = plan_storyboard(probe(60.0, width, height))
    assert (plan.tile_width, plan.tile_height) == tile


def test_the_command_tiles_one_sprite_and_skips_to_keyframes_only_for_long_videos(tmp_path):
    short = storyboard_command(tmp_path / "in", tmp_path / "s.jpg", plan_storyboard(probe(25.0)))
    graph = short[short.index("-vf") + 1]
    assert graph == "fps=1/1,scale=160:90,setsar=1,tile=10x3"
    assert "-skip_frame" not in short
    assert short[short.index("-frames:v") + 1] == "1"
    assert short[short.index("-protocol_whitelist") + 1] == "file"
    assert short[short.index("-i") + 1] == f"file:{tmp_path / 'in'}"

    few = storyboard_command(Path("in"), Path("s.jpg"), plan_storyboard(probe(4.0)))
    assert few[few.index("-vf") + 1].endswith("tile=4x1")
    long = storyboard_command(Path("in"), Path("s.jpg"), plan_storyboard(probe(3600.0)))
    assert long[long.index("-skip_frame") + 1] == "nokey"
    assert long.index("-skip_frame") < long.index("-i")  # an input (decoder) option


def test_the_index_has_one_cue_per_tile_pointing_into_the_sprite():
    plan = plan_storyboard(probe(12.5, 640, 360))
    text = storyboard_vtt(plan, "storyboard.jpg")
    lines = text.splitlines()
    assert lines[0] == "WEBVTT"
    cues = [line for line in lines if "-->" in line]
    targets = [line for line in lines if "#xywh=" in line]
    assert len(cues) == len(targets) == 13
    assert cues[0] == "00:00:00.000 --> 00:00:01.000"
    assert cues[-1] == "00:00:12.000 --> 00:00:12.500"  # the last tile ends with the video
    assert targets[0] == "storyboard.jpg#xywh=0,0,160,90"
    assert targets[9] == "storyboard.jpg#xywh=1440,0,160,90"
    assert targets[10] == "storyboard.jpg#xywh=0,90,160,90"  # the second row
    long = storyboard_vtt(plan_storyboard(probe(7325.0)), "s.jpg").splitlines()
    assert long[-2] == "02:00:52.000 --> 02:02:05.000"  # 99 tiles of 74 s


def test_a_private_index_carries_the_token_on_every_tile_before_its_fragment():
    index = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\nstoryboard.jpg#xywh=0,0,160,90\n"
    signed = vtt_with_token(index, "T")
    assert "storyboard.jpg?token=T#xywh=0,0,160,90" in signed.splitlines()
    assert "00:00:00.000 --> 00:00:01.000" in signed.splitlines()
    assert cache_control("storyboard.vtt", private=True) == "private, no-cache"
    assert "immutable" in cache_control("storyboard.jpg", private=False)


def test_the_storyboard_is_recorded_once_and_only_while_processing():
    app = Videos(env={})
    owner = uuid4()
    video_id = app.create_upload(
        owner, title="t", filename="f.mp4", size_bytes=10, content_type="video/mp4"
    ).video_id
    index_key, sprite_key = storyboard_keys(video_id)
    storyboard = Storyboard(index_key, sprite_key, 1.0, 4, 160, 90)
    assert app.add_storyboard(video_id, storyboard) is None  # not uploaded yet
    app.complete_upload(video_id, owner, 10)
    app.record_probe(video_id, ProbeResult(4.0, 640, 360, True, True, ("144p",)))
    assert app.add_storyboard(video_id, storyboard) is not None
    assert app.add_storyboard(video_id, storyboard) is None  # a redelivered job
    video = app.get_video(video_id)
    assert video.storyboard_key == f"videos/{video_id}/storyboard.vtt"
    assert video.status == VideoStatus.PROCESSING
    events = list(app.events.get(video_id))
    added = [e for e in events if isinstance(e, Video.StoryboardAdded)]
    assert len(added) == 1
    assert (added[0].tiles, added[0].tile_width, added[0].sprite_key) == (4, 160, sprite_key)
