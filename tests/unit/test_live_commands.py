"""The live application: keys are stored hashed, owner-only commands, ingest reports."""

from __future__ import annotations

from uuid import uuid4

import pytest

from kino.commands.live import LiveStreams
from kino.domain.errors import BadInputError, ConflictError, ForbiddenError, NotFoundError
from kino.domain.live import LiveStatus, hash_stream_key


@pytest.fixture
def live() -> LiveStreams:
    return LiveStreams(env={})


def test_the_key_is_returned_once_and_only_its_hash_is_stored(live):
    owner = uuid4()
    credentials = live.create_stream(owner, "  My   first stream ", "desc")
    stream = live.get_stream(credentials.stream_id)
    assert stream.title == "My first stream"
    assert stream.status is LiveStatus.OFFLINE
    assert credentials.stream_key not in repr(live.recorder.select_notifications(1, 10))
    assert stream.key_hash == hash_stream_key(credentials.stream_key)
    assert live.verify_stream_key(credentials.stream_key) == stream.id
    assert live.verify_stream_key("live_wrong") is None


def test_rotating_stops_the_old_key_and_only_the_owner_may(live):
    owner = uuid4()
    first = live.create_stream(owner, "t")
    with pytest.raises(ForbiddenError):
        live.rotate_key(first.stream_id, uuid4())
    second = live.rotate_key(first.stream_id, owner)
    assert second.stream_key != first.stream_key
    assert live.verify_stream_key(first.stream_key) is None
    assert live.verify_stream_key(second.stream_key) == first.stream_id


def test_ingest_reports_and_ending(live):
    owner = uuid4()
    credentials = live.create_stream(owner, "t")
    live.report_live(credentials.stream_id)
    assert live.get_stream(credentials.stream_id).status is LiveStatus.LIVE
    live.report_offline(credentials.stream_id)
    assert live.get_stream(credentials.stream_id).status is LiveStatus.OFFLINE
    with pytest.raises(ForbiddenError):
        live.end_stream(credentials.stream_id, uuid4())
    assert live.end_stream(credentials.stream_id, owner) is not None
    assert live.get_stream(credentials.stream_id).status is LiveStatus.ENDED
    assert live.end_stream(credentials.stream_id, owner) is None  # already ended: no event
    assert live.verify_stream_key(credentials.stream_key) is None
    with pytest.raises(ConflictError):
        live.report_live(credentials.stream_id)
    with pytest.raises(ConflictError):
        live.rotate_key(credentials.stream_id, owner)


@pytest.mark.parametrize("title", ["", "   ", "x" * 121])
def test_bad_titles_are_refused(live, title):
    with pytest.raises(BadInputError):
        live.create_stream(uuid4(), title)


def test_unknown_stream(live):
    with pytest.raises(NotFoundError):
        live.end_stream(uuid4(), uuid4())
