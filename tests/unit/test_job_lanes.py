"""Which lane a free transcoding slot takes its next job from (docs/adr/0007); stopping."""

from __future__ import annotations

import asyncio

from kino.infrastructure.broker import LEVELS, Lane, VideoSubjects, lanes_in_order
from kino.workers.job_lanes import JobLanes, long_slots


def test_a_free_slot_looks_level_by_level_new_jobs_before_long_ones():
    assert lanes_in_order(long=True)[:4] == [
        Lane(0),
        Lane(0, long=True),
        Lane(1),
        Lane(1, long=True),
    ]
    assert lanes_in_order(long=False) == [Lane(level) for level in range(LEVELS)]


def test_long_jobs_leave_a_slot_for_short_ones():
    assert [long_slots(slots) for slots in (1, 2, 3, 8)] == [1, 1, 2, 7]


def test_each_lane_has_its_own_subject_and_consumer():
    subjects = VideoSubjects("kino")
    assert subjects.job(Lane(2)) == "kino.videos.uploaded.2"
    assert subjects.job(Lane(2, long=True)) == "kino.videos.long.2"
    assert subjects.transcoders(Lane(0)) == "kino-transcoders-0"
    assert subjects.transcoders(Lane(3, long=True)) == "kino-transcoders-long-3"
    assert Lane(1, long=True).name == "long-1"


async def test_stop_ends_a_task_that_lost_its_first_cancellation():
    """Python 3.11's ``asyncio.wait_for`` can drop a cancellation that races its timeout; the
    dispatcher, fetching with short timeouts, then swept the lanes for ever and the
    transcoder's stop never returned (a CI run hung in a fixture's teardown)."""
    lanes = JobLanes.__new__(JobLanes)  # no broker needed: only the tasks matter to stop()
    lost = 0

    async def sweeping() -> None:
        nonlocal lost
        while True:
            try:
                await asyncio.sleep(0.01)
            except asyncio.CancelledError:
                if lost == 0:
                    lost += 1  # dropped, as wait_for drops one that races its timeout
                    continue
                raise

    lanes.running = {}
    lanes._dispatcher = asyncio.create_task(sweeping())
    await asyncio.sleep(0.05)
    await asyncio.wait_for(lanes.stop(), timeout=60)  # guards a hang; not a timing bound
    assert lanes._dispatcher.cancelled()
    assert lost == 1
