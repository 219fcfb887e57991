"""The relay publishes each video event once per position, resumes after a restart, and
JetStream drops a re-publish of the same notification (at least once, no duplicates)."""

from __future__ import annotations

from uuid import uuid4

import nats

from kino.bootstrap import build_relay_parts
from kino.commands.videos import Videos
from kino.infrastructure.broker import LEVELS, Lane, VideoSubjects
from kino.infrastructure.eventstore import eventstore_env
from kino.workers.relay import Relay


async def count(nats_url: str, subjects: VideoSubjects, subject: str) -> int:
    """Messages stored under ``subject`` (a filter: wildcards sum every lane)."""
    connection = await nats.connect(nats_url)
    try:
        info = await connection.jetstream().stream_info(subjects.stream, subjects_filter=subject)
    finally:
        await connection.close()
    return sum((info.state.subjects or {}).values())


async def test_relay_resumes_from_its_tracking_and_duplicates_are_dropped(
    video_settings, endpoints, database_url
):
    videos = Videos(env=eventstore_env(database_url))
    subjects = VideoSubjects.for_settings(video_settings)
    relay = Relay(build_relay_parts(video_settings, endpoints))
    await relay.start()
    try:
        await relay.pump()  # catch up with whatever earlier tests left
        caught_up = relay.position
        before = await count(endpoints.nats_url, subjects, subjects.new_jobs)
        owner = videos.create_upload(
            uuid4(),
            title="t",
            filename="f.mp4",
            size_bytes=5,
            content_type="video/mp4",
        )
        video = videos.get_video(owner.video_id)
        videos.complete_upload(owner.video_id, video.owner_id, 5)
        assert await relay.pump() == 2  # UploadCreated and UploadCompleted
        assert await count(endpoints.nats_url, subjects, subjects.new_jobs) == before + 1
        position = relay.position
    finally:
        await relay.stop()

    restarted = Relay(build_relay_parts(video_settings, endpoints))
    await restarted.start()
    try:
        assert restarted.position == position  # resumed from the tracking table
        assert await restarted.pump() == 0
        # As a second replica would: publish this test's events again. (Not from 0: earlier
        # tests' jobs are older than JetStream's duplicate window, so they would count again.)
        restarted.position = caught_up
        assert await restarted.pump() >= 1
        assert await count(endpoints.nats_url, subjects, subjects.new_jobs) == before + 1
    finally:
        await restarted.stop()
        videos.close()


async def test_a_users_recent_uploads_lower_the_level_of_the_next(
    video_settings, endpoints, database_url
):
    videos = Videos(env=eventstore_env(database_url))
    subjects = VideoSubjects.for_settings(video_settings)
    relay = Relay(build_relay_parts(video_settings, endpoints))
    await relay.start()
    try:
        while await relay.pump():
            pass  # caught up with earlier tests
        caught_up = relay.position

        async def per_level() -> list[int]:
            return [
                await count(endpoints.nats_url, subjects, subjects.job(Lane(level)))
                for level in range(LEVELS)
            ]

        before = await per_level()
        busy, other = uuid4(), uuid4()
        for owner in (busy, busy, busy, busy, busy, other):
            upload = videos.create_upload(
                owner, title="t", filename="f.mp4", size_bytes=5, content_type="video/mp4"
            )
            videos.complete_upload(upload.video_id, owner, 5)
        await relay.pump()
        added = [now - then for now, then in zip(await per_level(), before, strict=True)]
        assert added == [2, 1, 1, 2]  # busy: levels 0, 1, 2, 3, 3; other: level 0
        relay.position = caught_up  # published again, as after a restart: dropped as duplicates
        assert await relay.pump() == 12
        assert [now - then for now, then in zip(await per_level(), before, strict=True)] == added
    finally:
        await relay.stop()
        videos.close()
