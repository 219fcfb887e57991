"""Fair transcoding: a long upload does not hold back other users' clips, a user with many
uploads does not push another user's upload to the end, and over-long videos are refused.

A long job is made to last deterministically by holding its run at a gate (the test's wrapper
around the worker's ``TranscodeJob.run``): the slot stays taken and in-progress acks keep
flowing, exactly as during a slow ffmpeg, with no sleeps or timing in the test.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import time
from dataclasses import replace
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from kino.infrastructure.broker import VideoSubjects
from kino.infrastructure.media.process import limit_background_child
from kino.workers.transcoding import FoundLong, JobRunner, Mode
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.videos import media
from tests.integration.videos.conftest import transcoder_running
from tests.integration.videos.helpers import (
    VIDEO,
    WAIT_LIMIT,
    upload_file,
    wait_for_video,
    wait_until,
)
from tests.integration.videos.test_relay import count


@pytest.fixture(scope="module")
def small_clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """144p only (a one-rung ladder): a 4-second clip and a 10-second one."""
    folder = tmp_path_factory.mktemp("fair")
    return {
        "short": media.video(folder / "short.mp4", 256, 144),
        "long": media.video(folder / "long.mp4", 256, 144, seconds=10),
    }


def fair_settings(video_settings: Any, **changes: Any) -> Any:
    return video_settings.with_overrides(videos=replace(video_settings.videos, **changes))


class Gate:
    """Wraps a worker's job runner: records every run and holds the first one that ``matches``."""

    def __init__(self, matches: Any) -> None:
        self.matches = matches
        self.real: Any = None
        self.runs: list[tuple[str, Mode]] = []
        self.moved: set[str] = set()
        self.held_id: str | None = None
        self.opened = asyncio.Event()

    def around(self, job: JobRunner) -> JobRunner:
        self.real = job.run
        return self

    async def run(self, video_id: UUID, mode: Mode = Mode()) -> None:  # noqa: B008 - frozen
        self.runs.append((str(video_id), mode))
        if self.held_id is None and self.matches(mode):
            self.held_id = str(video_id)
            await self.opened.wait()
        try:
            await self.real(video_id, mode)
        except FoundLong:
            self.moved.add(str(video_id))
            raise

    def started(self, video_id: str, *, long: bool) -> bool:
        return any(v == video_id and m.background == long for v, m in self.runs)


async def test_a_long_upload_does_not_hold_back_another_users_short_clip(
    client, relay, small_clips, video_settings, endpoints
):
    settings = fair_settings(video_settings, slots=2, long_seconds=6)
    tokens = [(await register(client))["accessToken"] for _ in range(3)]
    gate = Gate(lambda mode: mode.background)  # holds the first long job
    async with transcoder_running(settings, endpoints, gate.around) as worker:
        longs = {
            (await upload_file(client, token, small_clips["long"]))["id"]: token
            for token in tokens[:2]
        }
        await wait_until(lambda: gate.held_id and gate.moved == set(longs), "both long jobs moved")
        running = gate.held_id
        (waiting,) = set(longs) - {running}
        sweeps = worker.lanes.idle_sweeps  # the free slot has looked at every lane it may take
        await wait_until(lambda: worker.lanes.idle_sweeps > sweeps + 1, "a sweep after the move")
        assert not gate.started(waiting, long=True)  # a slot is always left for short jobs

        short = (await upload_file(client, tokens[2], small_clips["short"]))["id"]
        ready = await wait_for_video(client, tokens[2], short)
        assert ready["status"] == "READY", ready["failureReason"]
        for video_id, token in longs.items():
            still = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
            assert still["status"] == "PROCESSING"
            assert still["durationSeconds"] == pytest.approx(10, abs=0.5)  # probed
        assert gate.started(running, long=True)
        assert not gate.started(waiting, long=True)

        gate.opened.set()
        for video_id, token in longs.items():
            done = await wait_for_video(client, token, video_id)
            assert done["status"] == "READY", done["failureReason"]
    assert gate.started(waiting, long=True)


async def test_one_users_many_uploads_do_not_push_another_users_upload_last(
    client, relay, small_clips, video_settings, settings, endpoints
):
    one_slot = fair_settings(video_settings, slots=1)
    a, b = [(await register(client))["accessToken"] for _ in range(2)]
    subjects = VideoSubjects.for_settings(settings)
    published = await count(endpoints.nats_url, subjects, subjects.new_jobs)
    gate = Gate(lambda mode: True)  # holds the first job: the only slot stays taken
    async with transcoder_running(one_slot, endpoints, gate.around):
        a1 = (await upload_file(client, a, small_clips["short"]))["id"]
        await wait_until(lambda: gate.held_id == a1, "A's first upload to take the slot")
        a2 = (await upload_file(client, a, small_clips["short"]))["id"]
        a3 = (await upload_file(client, a, small_clips["short"]))["id"]
        b1 = (await upload_file(client, b, small_clips["short"]))["id"]
        await wait_for_jobs(endpoints, subjects, published + 4)

        gate.opened.set()
        for token, video_id in ((a, a2), (a, a3), (b, b1)):
            assert (await wait_for_video(client, token, video_id))["status"] == "READY"
    order = [video_id for video_id, _ in gate.runs]
    assert order == [a1, b1, a2, a3]  # B's first upload before A's second and third


async def wait_for_jobs(endpoints: Any, subjects: VideoSubjects, total: int) -> None:
    """Until the stream holds ``total`` new jobs (the relay published them)."""
    deadline = time.monotonic() + WAIT_LIMIT
    while await count(endpoints.nats_url, subjects, subjects.new_jobs) < total:
        assert time.monotonic() < deadline, "the relay did not publish every job"
        await asyncio.sleep(0.1)


async def test_a_video_longer_than_the_limit_fails_with_the_reason(
    client, relay, small_clips, video_settings, endpoints
):
    limited = fair_settings(video_settings, max_duration_seconds=3)
    token = (await register(client))["accessToken"]
    async with transcoder_running(limited, endpoints):
        video_id = (await upload_file(client, token, small_clips["short"]))["id"]
        failed = await wait_for_video(client, token, video_id)
    assert failed["status"] == "FAILED"
    assert re.fullmatch(
        r"This video is 4(\.\d)? seconds long; videos can be at most 3 seconds long\.",
        failed["failureReason"],
    ), failed["failureReason"]
    assert failed["renditions"] == []


def test_long_jobs_run_ffmpeg_at_a_lower_cpu_priority():
    niceness = subprocess.run(
        ["nice"], preexec_fn=limit_background_child, capture_output=True, check=True, text=True
    )
    assert int(niceness.stdout) == 10 + int(subprocess.check_output(["nice"], text=True))
