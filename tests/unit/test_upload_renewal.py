"""renewVideoUpload's use case: the owner of a video still awaiting its bytes gets fresh URLs,
the abandoned-upload clock starts again, and an expiry judged against the old start fails
nothing."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest

from kino.commands.uploads import UploadRequest, Uploads
from kino.commands.videos import Videos
from kino.domain.errors import ConflictError, ForbiddenError
from kino.domain.video_values import VideoStatus
from kino.infrastructure.uploads import UploadTokens
from kino.workers.expiry import EXPIRED, expire_if_abandoned
from tests.unit import fakes

SECRET = "r" * 40


@pytest.fixture
def uploads() -> Uploads:
    return Uploads(
        Videos(env={}),
        fakes.MemoryStore(),
        UploadTokens(SECRET, 3600),
        public_url="http://kino.test",
        max_bytes=1000,
    )


def request() -> UploadRequest:
    return UploadRequest(title="Clip", filename="a.mp4", size_bytes=4, content_type="video/mp4")


def token_of(url: str) -> str:
    return url.partition("token=")[2]


def test_the_owner_gets_fresh_urls_for_the_same_upload(uploads):
    owner = uuid4()
    first = uploads.create(owner, request())
    started = uploads.videos.get_video(first.video_id).upload_started_on
    renewed = uploads.renew(owner, first.video_id)
    assert renewed.video_id == first.video_id
    assert renewed.tus_url.startswith(f"http://kino.test/uploads/tus/{first.video_id}?token=")
    assert renewed.expires_at >= first.expires_at
    grant = uploads.tokens.verify(token_of(renewed.tus_url), first.video_id, resumable=True)
    assert (grant.user_id, grant.size_bytes) == (owner, 4)
    video = uploads.videos.get_video(first.video_id)
    assert video.upload_started_on > started
    assert video.status == VideoStatus.AWAITING_UPLOAD


def test_only_the_owner_renews_and_only_while_bytes_are_awaited(uploads):
    owner = uuid4()
    upload = uploads.create(owner, request())
    with pytest.raises(ForbiddenError):
        uploads.renew(uuid4(), upload.video_id)
    uploads.store.put_bytes(uploads.videos.get_video(upload.video_id).source_key, b"abcd", "")
    uploads.complete(upload.video_id, owner)
    with pytest.raises(ConflictError, match="already completed"):
        uploads.renew(owner, upload.video_id)


def test_an_expiry_judged_before_a_renewal_fails_nothing(uploads):
    owner = uuid4()
    upload = uploads.create(owner, request())
    videos = uploads.videos
    judged = videos.get_video(upload.video_id).upload_started_on
    uploads.renew(owner, upload.video_id)
    assert videos.expire_upload(upload.video_id, EXPIRED, judged) is None
    assert videos.get_video(upload.video_id).status == VideoStatus.AWAITING_UPLOAD
    current = videos.get_video(upload.video_id).upload_started_on
    assert videos.expire_upload(upload.video_id, EXPIRED, current) is not None
    failed = videos.get_video(upload.video_id)
    assert (failed.status, failed.failure_reason) == (VideoStatus.FAILED, EXPIRED)
    with pytest.raises(ConflictError, match="failed"):
        uploads.renew(owner, upload.video_id)


class Message:
    """What the expiry worker does with its JetStream message."""

    def __init__(self) -> None:
        self.answers: list[tuple[str, float | None]] = []

    async def ack(self) -> None:
        self.answers.append(("ack", None))

    async def nack(self, delay: float | None = None) -> None:
        self.answers.append(("nack", delay))


async def test_the_expiry_worker_counts_from_the_last_renewal(uploads):
    """With a lifetime of 0 the deadline is the moment the URLs were handed out."""
    videos, owner = uploads.videos, uuid4()
    renewed, abandoned = uploads.create(owner, request()), uploads.create(owner, request())
    video = videos.get_video(renewed.video_id)
    video.renew_upload(video.upload_started_on + timedelta(hours=1))  # handed out later
    videos.save(video)

    later = Message()
    await expire_if_abandoned(videos, renewed.video_id, 0, later)
    [(answer, delay)] = later.answers
    assert answer == "nack" and delay is not None and delay > 3000  # judged again then
    assert videos.get_video(renewed.video_id).status == VideoStatus.AWAITING_UPLOAD

    now = Message()
    await expire_if_abandoned(videos, abandoned.video_id, 0, now)
    assert now.answers == [("ack", None)]
    assert videos.get_video(abandoned.video_id).status == VideoStatus.FAILED
