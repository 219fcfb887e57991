"""The NATS messages are typed, and their wire format is the one Kino has always used: bodies
already in a stream (as the relay and transcoder wrote them before the models) still decode,
and faststream publishes the models as those same JSON objects."""

from __future__ import annotations

import json
from uuid import UUID, uuid4

import pytest
from faststream.nats import NatsBroker, NatsMessage, TestNatsBroker

from kino.infrastructure.broker import VideoStream, VideoSubjects
from kino.infrastructure.messages import (
    DeadLetterMessage,
    MalformedMessageError,
    TranscodeJobMessage,
    VideoEventMessage,
)
from kino.workers.janitor import subscribe_janitor

VIDEO, OWNER = UUID(int=1), UUID(int=2)
# Bodies exactly as the relay (json.dumps of a dict) and the transcoder wrote them.
OLD_EVENT = (
    b'{"video_id": "00000000-0000-0000-0000-000000000001", "event": "Deleted", '
    b'"notification_id": 7}'
)
OLD_JOB = (
    b'{"video_id": "00000000-0000-0000-0000-000000000001", "event": "UploadCompleted", '
    b'"notification_id": 8, "owner_id": "00000000-0000-0000-0000-000000000002", "level": 2}'
)


def test_bodies_written_before_the_models_decode():
    job = TranscodeJobMessage.decode(OLD_JOB)
    assert (job.video_id, job.owner_id, job.level, job.notification_id) == (VIDEO, OWNER, 2, 8)
    assert job.duration_seconds is None
    long = json.loads(OLD_JOB) | {"duration_seconds": 612.5}
    assert TranscodeJobMessage.decode(json.dumps(long).encode()).duration_seconds == 612.5
    dead = json.loads(OLD_JOB) | {"duration_seconds": 612.5, "error": "boom"}
    assert DeadLetterMessage.model_validate(dead).error == "boom"
    event = VideoEventMessage.model_validate_json(OLD_EVENT)
    assert (event.video_id, event.event, event.notification_id) == (VIDEO, "Deleted", 7)


def test_the_models_write_the_same_field_names_and_values():
    job = VideoEventMessage(video_id=VIDEO, event="UploadCompleted", notification_id=8).as_job(
        OWNER, 2
    )
    assert json.loads(job.model_dump_json()) == json.loads(OLD_JOB) | {"duration_seconds": None}
    assert job.message_id == "videos-8"
    moved = job.moved_to_long_lane(612.5)
    assert json.loads(moved.model_dump_json())["duration_seconds"] == 612.5
    assert moved.long_lane_message_id == f"long-{VIDEO}-8"
    dead = json.loads(moved.dead("x" * 5000).model_dump_json())
    assert dead["error"] == "x" * 1000
    assert dead["video_id"] == str(VIDEO) and dead["duration_seconds"] == 612.5


@pytest.mark.parametrize(
    "body",
    [b"", b"not json", b"[]", b'{"event": "UploadCompleted"}', OLD_EVENT, OLD_JOB[:-1]],
)
def test_a_body_that_is_not_a_job_is_malformed(body: bytes):
    with pytest.raises(MalformedMessageError):
        TranscodeJobMessage.decode(body)


class RecordingStore:
    def __init__(self) -> None:
        self.deleted: list[str] = []

    def delete_prefix(self, prefix: str) -> int:
        self.deleted.append(prefix)
        return 3


async def test_faststream_publishes_models_and_gives_subscribers_models():
    broker = NatsBroker()
    received: list[tuple[TranscodeJobMessage, bytes]] = []

    @broker.subscriber("jobs")
    async def take(job: TranscodeJobMessage, msg: NatsMessage) -> None:
        received.append((job, msg.body))

    job = VideoEventMessage(video_id=VIDEO, event="UploadCompleted", notification_id=8).as_job(
        OWNER, 2
    )
    async with TestNatsBroker(broker) as test:
        await test.publish(job, "jobs")
    ((model, body),) = received
    assert model == job
    assert json.loads(body) == json.loads(OLD_JOB) | {"duration_seconds": None}


async def test_the_janitor_removes_the_media_named_by_an_old_body():
    broker, store = NatsBroker(), RecordingStore()
    stream = VideoStream("nats://unused", VideoSubjects("kino"))
    subscribe_janitor(broker, stream, store)
    video_id = uuid4()
    async with TestNatsBroker(broker) as test:
        body = {"video_id": str(video_id), "event": "Deleted", "notification_id": 3}
        await test.publish(json.dumps(body).encode(), stream.subjects.removed)
    assert store.deleted == [f"videos/{video_id}/"]
