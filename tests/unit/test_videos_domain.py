"""The Video aggregate and the Videos application on the in-memory event store."""

from __future__ import annotations

from dataclasses import replace
from uuid import uuid4

import pytest

from kino.commands.videos import Videos
from kino.domain.errors import BadInputError, ConflictError, ForbiddenError
from kino.domain.video_rules import DESCRIPTION, TITLE, is_media_path
from kino.domain.video_values import ProbeResult, Rendition, VideoStatus

RENDITION = Rendition("144p", 256, 144, 1, "avc1", "videos/v/hls/144p/index.m3u8")


def new_upload(app: Videos, size: int = 100):
    owner = uuid4()
    created = app.create_upload(
        owner,
        title="  Hello   world ",
        filename="a/b.mp4",
        size_bytes=size,
        content_type="video/mp4",
    )
    return owner, created.video_id


def test_upload_lifecycle_to_ready_is_idempotent_for_the_transcoder():
    app = Videos(env={})
    owner, video_id = new_upload(app)
    assert app.get_video(video_id).title == "Hello world"
    assert app.get_video(video_id).filename == "a_b.mp4"
    app.complete_upload(video_id, owner, 100)
    assert app.get_video(video_id).status == VideoStatus.PROCESSING
    probe = ProbeResult(4.0, 1920, 1080, True, True, ("144p", "240p"))
    assert app.record_probe(video_id, probe) is not None
    assert app.record_probe(video_id, probe) is None  # a redelivered job changes nothing
    assert app.add_rendition(video_id, RENDITION) is not None
    assert app.add_rendition(video_id, RENDITION) is None
    with pytest.raises(ConflictError):
        app.mark_ready(video_id)  # 240p is missing
    app.add_rendition(video_id, replace(RENDITION, name="240p", height=240))
    app.mark_ready(video_id)
    assert app.mark_ready(video_id) is None
    video = app.get_video(video_id)
    assert video.status == VideoStatus.READY
    assert list(video.renditions) == ["144p", "240p"]
    app.fail(video_id, "too late")
    assert app.get_video(video_id).status == VideoStatus.READY  # a finished video does not fail


def test_size_mismatch_or_empty_upload_fails_and_completion_happens_once():
    app = Videos(env={})
    owner, video_id = new_upload(app, size=100)
    app.complete_upload(video_id, owner, 101)
    assert app.get_video(video_id).status == VideoStatus.FAILED
    assert "101 bytes but 100" in app.get_video(video_id).failure_reason
    owner, empty = new_upload(app, size=0)
    app.complete_upload(empty, owner, None)
    assert app.get_video(empty).failure_reason == "The uploaded file is empty."
    owner, video_id = new_upload(app)
    with pytest.raises(BadInputError):
        app.complete_upload(video_id, owner, None)
    app.complete_upload(video_id, owner, 100)
    with pytest.raises(ConflictError):
        app.complete_upload(video_id, owner, 100)


def test_only_the_owner_edits_and_inputs_are_checked():
    app = Videos(env={})
    owner, video_id = new_upload(app)
    with pytest.raises(ForbiddenError):
        app.update_video(video_id, uuid4(), title="mine")
    with pytest.raises(ForbiddenError):
        app.delete_video(video_id, uuid4())
    with pytest.raises(BadInputError):
        app.update_video(video_id, owner, title="   ")
    with pytest.raises(BadInputError):
        app.update_video(video_id, owner, visibility="SECRET")
    assert app.update_video(video_id, owner, title="Hello world") is None  # nothing changed
    app.update_video(video_id, owner, description="d", visibility="PRIVATE")
    assert app.get_video(video_id).visibility == "PRIVATE"
    with pytest.raises(BadInputError):
        app.create_upload(owner, title="x", filename="x", size_bytes=1, content_type="text/plain")
    with pytest.raises(BadInputError):
        app.create_upload(
            owner, title="x", filename="x", size_bytes=10, content_type="video/mp4", max_bytes=5
        )
    app.delete_video(video_id, owner)
    assert app.add_rendition(video_id, RENDITION) is None  # the transcoder sees the deletion


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("hls/master.m3u8", True),
        ("hls/720p/index.m3u8", True),
        ("hls/720p/init_0.mp4", True),
        ("hls/audio/seg_00012.m4s", True),
        ("thumbnail.jpg", True),
        ("storyboard.vtt", True),
        ("storyboard.jpg", True),
        ("storyboard.png", False),
        ("source", False),
        ("hls/../source", False),
        ("hls/720p/seg_x.m4s", False),
        ("hls/720p/index.m3u8/x", False),
    ],
)
def test_only_media_paths_are_served(path, served):
    assert is_media_path(path) is served


def test_a_failed_upload_cannot_be_completed():
    app = Videos(env={})
    owner, video_id = new_upload(app, size=10)
    app.fail(video_id, "The uploaded file is larger than the 10 bytes declared.")
    with pytest.raises(ConflictError, match="larger than"):
        app.complete_upload(video_id, owner, 10)


def test_a_too_long_title_or_description_says_how_long_in_characters():
    with pytest.raises(
        BadInputError, match=r"^The title is too long \(at most 200 characters\)\.$"
    ):
        TITLE.clean("W" * 201)
    with pytest.raises(BadInputError, match=r"at most 5000 characters\)\.$"):
        DESCRIPTION.clean("d" * 5001)
