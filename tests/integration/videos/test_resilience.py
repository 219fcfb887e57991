"""Lowest rung first with progress; a killed transcoder's job is redone; replicas share work."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path
from uuid import UUID

import redis.asyncio as aioredis

from kino.commands.videos import Videos
from kino.domain.videos import Video
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.pubsub import progress_channel
from kino.workers.transcoding import JobRunner, Mode
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.videos.conftest import transcoder_running
from tests.integration.videos.helpers import (
    COMPLETE,
    create_upload,
    put_bytes,
    wait_for_video,
    wait_until,
)


async def start_upload(client, token: str, path: Path) -> str:
    data = path.read_bytes()
    upload = await create_upload(client, token, len(data), filename=path.name)
    assert (await put_bytes(client, upload, data)).status_code == 200
    return upload["video"]["id"]


class ProgressListener:
    """Subscribed to a video's progress channel from ``start()`` on."""

    def __init__(self, settings, video_id: str) -> None:
        self.client = aioredis.Redis.from_url(settings.redis_url)
        self.pubsub = self.client.pubsub()
        self.channel = progress_channel(settings.redis_namespace, video_id)

    async def start(self) -> None:
        await self.pubsub.subscribe(self.channel)
        confirmation = await self.pubsub.get_message(timeout=10)
        assert confirmation is not None
        assert confirmation["type"] == "subscribe"

    async def messages(self, until):
        deadline = time.monotonic() + 240
        try:
            while time.monotonic() < deadline:
                message = await self.pubsub.get_message(ignore_subscribe_messages=True, timeout=1)
                if message is None:
                    continue
                body = json.loads(message["data"])
                yield body
                if until(body):
                    return
            raise AssertionError("no progress message")
        finally:
            await self.pubsub.aclose()
            await self.client.aclose()


async def test_lowest_rung_is_published_first_with_progress(
    client, transcoder, clips, settings, database_url
):
    token = (await register(client))["accessToken"]
    video_id = await start_upload(client, token, clips["480p"])
    listener = ProgressListener(settings, video_id)
    await listener.start()
    await gql(client, COMPLETE, {"id": video_id}, token=token)
    collected = [body async for body in listener.messages(lambda b: b["stage"] == "ready")]

    stages = [body["stage"] for body in collected]
    assert stages[0] == "probing"
    assert stages[-1] == "ready"
    ordered = list(dict.fromkeys(stages))
    assert ordered == ["probing", "transcoding 144p", "transcoding 240p, 360p, 480p", "ready"]
    values = [body["progress"] for body in collected]
    assert values == sorted(values)
    assert values[-1] == 1.0

    app = Videos(env=eventstore_env(database_url))
    try:
        events = list(app.repository.event_store.get(UUID(video_id)))
    finally:
        app.close()
    kinds = [
        event.rendition["name"] if isinstance(event, Video.RenditionAdded) else type(event).__name__
        for event in events
    ]
    first = kinds.index("144p")
    assert kinds.index("240p") > first
    assert kinds.index("BecameReady") > kinds.index("480p")


def transcoder_process(settings, endpoints, preset: str) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        KINO_DATABASE_URL=endpoints.database_url,
        KINO_REDIS_URL=endpoints.redis_url,
        KINO_NATS_URL=endpoints.nats_url,
        KINO_REDIS_NAMESPACE=settings.redis_namespace,
        KINO_DATA_DIR=str(settings.data_dir),
        KINO_SECRET_KEY=settings.secret_key,
        KINO_TRANSCODE_ACK_WAIT="4",
        KINO_TRANSCODE_ATTEMPTS="2",
        KINO_TRANSCODE_PRESET=preset,
        KINO_LOG_FORMAT="console",
    )
    return subprocess.Popen([sys.executable, "-m", "kino", "transcoder"], env=env)


def processes_mentioning(text: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if text.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_a_killed_transcoder_leaves_the_job_to_another(
    client, relay, clips, video_settings, settings, endpoints
):
    token = (await register(client))["accessToken"]
    victim = transcoder_process(settings, endpoints, preset="medium")  # slow: killed mid-job
    try:
        video_id = await start_upload(client, token, clips["1080p"])
        listener = ProgressListener(settings, video_id)
        await listener.start()
        await gql(client, COMPLETE, {"id": video_id}, token=token)
        second_pass = "transcoding 240p, 360p, 480p, 720p, 1080p"
        async for _ in listener.messages(lambda b: b["stage"] == second_pass):
            pass  # 144p is added by now; the rest is being encoded
        victim.send_signal(signal.SIGKILL)
        victim.wait()
        await wait_until(
            lambda: not processes_mentioning(video_id), "ffmpeg to die with its worker"
        )
        status = (await wait_for_video(client, token, video_id, ("PROCESSING", "READY")))["status"]
        assert status == "PROCESSING"
    finally:
        if victim.poll() is None:
            victim.kill()
            victim.wait()

    listener = ProgressListener(settings, video_id)
    await listener.start()
    async with transcoder_running(video_settings, endpoints) as rescuer:
        stages = [b["stage"] async for b in listener.messages(lambda b: b["stage"] == "ready")]
        ready = await wait_for_video(client, token, video_id)
    assert ready["status"] == "READY", ready["failureReason"]
    assert len(ready["renditions"]) == 6
    assert "transcoding 144p" not in stages  # the redelivered job skipped the finished rung
    assert second_pass in stages
    assert UUID(video_id) in [job[0] for job in rescuer.handled]
    work = settings.data_dir / "transcode"
    assert not [p for p in work.iterdir() if p.name.startswith(video_id)]


class Rendezvous:
    """Wraps each transcoder's job runner: a job for one of the ``expected`` videos starts its
    work only once each of them has started (or a minute passed), so they overlap exactly when
    two transcoders took one each, whatever the machine's speed (a one-slot transcoder cannot
    take a second job). Jobs for other videos (an earlier test's) run straight through."""

    def __init__(self) -> None:
        self.expected: set[str] = set()
        self.started: set[str] = set()
        self.everyone_started = asyncio.Event()

    def around(self, job: JobRunner) -> JobRunner:
        return _Waiting(self, job)


class _Waiting:
    def __init__(self, rendezvous: Rendezvous, job: JobRunner) -> None:
        self.rendezvous, self.job = rendezvous, job

    async def run(self, video_id: UUID, mode: Mode = Mode()) -> None:  # noqa: B008 - frozen
        rendezvous = self.rendezvous
        if str(video_id) in rendezvous.expected:
            rendezvous.started.add(str(video_id))
            if rendezvous.started == rendezvous.expected:
                rendezvous.everyone_started.set()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(rendezvous.everyone_started.wait(), 60)
        await self.job.run(video_id, mode)


async def test_two_transcoders_process_two_uploads_in_parallel(
    client, relay, clips, video_settings, endpoints
):
    token = (await register(client))["accessToken"]
    one_slot = video_settings.with_overrides(videos=replace(video_settings.videos, slots=1))
    rendezvous = Rendezvous()
    async with (
        transcoder_running(one_slot, endpoints, rendezvous.around) as one,
        transcoder_running(one_slot, endpoints, rendezvous.around) as two,
    ):
        ids = [await start_upload(client, token, clips["480p"]) for _ in range(2)]
        rendezvous.expected = set(ids)
        for video_id in ids:
            await gql(client, COMPLETE, {"id": video_id}, token=token)
        for video_id in ids:
            assert (await wait_for_video(client, token, video_id))["status"] == "READY"
    assert rendezvous.everyone_started.is_set()  # both jobs started (one per transcoder: below)
    jobs = {worker: [job for job in worker.handled if str(job[0]) in ids] for worker in (one, two)}
    assert [len(found) for found in jobs.values()] == [1, 1]
    (_, start_one, end_one), (_, start_two, end_two) = jobs[one][0], jobs[two][0]
    assert start_one < end_two
    assert start_two < end_one


async def test_a_job_failing_every_attempt_fails_the_video_and_is_dead_lettered(
    client, relay, video_settings, settings, endpoints, clips
):
    import nats

    from kino.infrastructure.broker import VideoSubjects
    from kino.infrastructure.storage.filesystem import FilesystemStore

    token = (await register(client))["accessToken"]
    video_id = await start_upload(client, token, clips["odd"])
    store = FilesystemStore(settings.data_dir / "objects")
    await gql(client, COMPLETE, {"id": video_id}, token=token)
    store.delete(f"videos/{video_id}/source")  # every attempt now fails to read its input
    async with transcoder_running(video_settings, endpoints) as worker:
        failed = await wait_for_video(client, token, video_id)
    assert failed["status"] == "FAILED"
    assert "failed 2 times" in failed["failureReason"]
    assert [str(job[0]) for job in worker.handled].count(video_id) == 2

    subjects = VideoSubjects.for_settings(settings)
    connection = await nats.connect(endpoints.nats_url)
    try:
        dead = await connection.jetstream().get_last_msg(subjects.stream, subjects.dead)
    finally:
        await connection.close()
    assert json.loads(dead.data)["video_id"] == video_id


async def test_deleting_a_video_while_it_is_transcoded_leaves_no_media(
    client, transcoder, clips, settings
):
    from kino.infrastructure.storage.filesystem import FilesystemStore

    token = (await register(client))["accessToken"]
    video_id = await start_upload(client, token, clips["1080p"])
    listener = ProgressListener(settings, video_id)
    await listener.start()
    await gql(client, COMPLETE, {"id": video_id}, token=token)
    async for _ in listener.messages(lambda b: b["stage"].startswith("transcoding")):
        pass
    deleted = await gql(client, "mutation($id: ID!) { deleteVideo(id: $id) }", {"id": video_id},
                        token=token)  # fmt: skip
    assert deleted["deleteVideo"] is True
    await wait_until(
        lambda: UUID(video_id) in [job[0] for job in transcoder.handled], "the job to stop"
    )
    store = FilesystemStore(settings.data_dir / "objects")
    await wait_until(lambda: not store.list(f"videos/{video_id}/"), "media removal")
    work = settings.data_dir / "transcode"
    assert not [p for p in work.iterdir() if p.name.startswith(video_id)]
