"""The live ladder's cost is bounded by its top encoded rung, whatever the source: a 2160p60
publish is capped in size and frame rate, scaled once before the split, decoded without its
deblocking filter, and never probed for a passthrough it cannot have."""

from __future__ import annotations

from pathlib import Path

from kino.infrastructure.live.ladder import (
    can_pass_through,
    ladder_command,
    plan_rungs,
    skips_deblocking,
)
from kino.infrastructure.live.stat import SourceInfo

LADDER = (720, 480, 360)
UHD60 = SourceInfo(3840, 2160, 60.0, "H264", "AAC", 6_000_000, True, "Baseline", 192, "5.2")
HD30 = SourceInfo(1920, 1080, 30.0, "H264", "AAC", 4_000_000, True, "High", 0, "4.0")


def command(source: SourceInfo, ladder: tuple[int, ...] = LADDER) -> list[str]:
    rungs = plan_rungs(source, ladder, passthrough=can_pass_through(source, ladder))
    return ladder_command(
        "rtmp://127.0.0.1:1/live/x-s1", Path("/out"), rungs,
        session=1, segment_seconds=1, audio=True, source=source, resume=False,
    )  # fmt: skip


def test_a_2160p60_source_is_capped_and_scaled_once_before_the_split():
    rungs = plan_rungs(UHD60, LADDER)
    assert [(r.width, r.height) for r in rungs] == [(1280, 720), (854, 480), (640, 360)]
    assert not can_pass_through(UHD60, LADDER)  # nothing to probe: every rung is encoded
    argv = command(UHD60)
    graph = argv[argv.index("-filter_complex") + 1]
    # 30 fps and 1280x720 before the split; the lower rungs scale from the 720p frames.
    assert graph == (
        "[0:v]fps=30,scale=1280:720,split=3[v0][s1][s2];[s1]scale=854:480[v1];[s2]scale=640:360[v2]"
    )
    assert graph.count("scale=") == 3 and "3840" not in graph
    assert argv[argv.index("-skip_loop_filter") + 1] == "all"
    assert argv.index("-skip_loop_filter") < argv.index("-i")  # a decoder option


def test_deblocking_is_skipped_only_far_above_the_ladder():
    assert skips_deblocking(UHD60, plan_rungs(UHD60, LADDER))
    assert skips_deblocking(UHD60, plan_rungs(UHD60, (1080, 720)))  # 2160 = 2 x 1080
    assert not skips_deblocking(UHD60, plan_rungs(UHD60, (1440, 720)))  # 1440p from 2160p
    assert not skips_deblocking(HD30, plan_rungs(HD30, (540, 360)))  # 1080p decodes cheaply
    assert "-skip_loop_filter" not in command(HD30)
    assert "fps=" not in " ".join(command(HD30))  # 30 fps sources are not resampled


def test_a_source_at_the_top_rung_may_be_passed_through():
    source = SourceInfo(1280, 720, 30.0, "H264", "AAC", 3_000_000, True, "High", 0, "3.1")
    assert can_pass_through(source, LADDER)
    assert not can_pass_through(source, (480, 360))  # above the ladder: encoded
    assert not can_pass_through(
        SourceInfo(1280, 720, 60.0, "H264", "AAC", 0, True, "High", 0, "3.1"), LADDER
    )
    argv = command(source)
    graph = argv[argv.index("-filter_complex") + 1]
    assert "-c:v:0" in argv and argv[argv.index("-c:v:0") + 1] == "copy"
    assert graph == "[0:v]scale=854:480,split=2[v1][s2];[s2]scale=640:360[v2]"
