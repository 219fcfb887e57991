"""The use cases the api calls, on in-memory applications and fakes of their ports: ownership,
state rules, rate limits and upload checks, without any server."""

from __future__ import annotations

from uuid import uuid4

import pytest

from kino.commands.accounts import Accounts
from kino.commands.authentication import Authentication, EndedSessions
from kino.commands.chat import ChatRooms
from kino.commands.chatting import Chatting
from kino.commands.commenting import Commenting
from kino.commands.comments import Comments
from kino.commands.groupcommit import GroupCommit
from kino.commands.live import LiveStreams
from kino.commands.resumable import OffsetConflictError, ResumableUploads, UploadGoneError
from kino.commands.sign_in import SignIn
from kino.commands.uploads import UploadRequest, Uploads
from kino.commands.videos import Videos
from kino.commands.viewing import Viewing
from kino.domain.errors import (
    BadInputError,
    ConflictError,
    ForbiddenError,
    NotFoundError,
    RateLimitedError,
    UnauthenticatedError,
)
from kino.domain.video_values import VideoStatus, Visibility
from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.resumable import FilesystemResumable
from kino.infrastructure.tokens import AccessTokens
from kino.infrastructure.uploads import UploadTokens
from tests.unit import fakes
from tests.unit.live_helpers import run_policy

SECRET = "s" * 40


# Uploads: the token, the owner, the upload's state, what the store holds.


@pytest.fixture
def uploads() -> Uploads:
    return Uploads(
        Videos(env={}),
        fakes.MemoryStore(),
        UploadTokens(SECRET, 3600),
        public_url="http://kino.test",
        max_bytes=1000,
    )


def request(size: int = 4) -> UploadRequest:
    return UploadRequest(title="Clip", filename="a.mp4", size_bytes=size, content_type="video/mp4")


def token_of(url: str) -> str:
    return url.partition("token=")[2]


def test_an_upload_is_sent_to_the_api_with_a_token_for_its_owner(uploads, tmp_path):
    owner = uuid4()
    upload = uploads.create(owner, request())
    assert upload.upload_url.startswith(f"http://kino.test/uploads/{upload.video_id}?token=")
    slot = uploads.open_slot(token_of(upload.upload_url), upload.video_id)
    assert (slot.size_bytes, slot.content_type) == (4, "video/mp4")
    body = tmp_path / "body"
    body.write_bytes(b"abcd")
    uploads.keep(slot, body)
    uploads.complete(upload.video_id, owner)
    assert uploads.videos.get_video(upload.video_id).status == VideoStatus.PROCESSING


def test_the_upload_token_works_for_its_own_video_only_and_once(uploads, tmp_path):
    owner = uuid4()
    first, second = uploads.create(owner, request()), uploads.create(owner, request())
    with pytest.raises(ForbiddenError, match="another video"):
        uploads.open_slot(token_of(first.upload_url), second.video_id)
    with pytest.raises(ForbiddenError):
        uploads.open_slot("forged", first.video_id)
    (tmp_path / "b").write_bytes(b"abcd")
    uploads.keep(uploads.open_slot(token_of(first.upload_url), first.video_id), tmp_path / "b")
    uploads.complete(first.video_id, owner)
    with pytest.raises(ConflictError, match="already completed"):
        uploads.open_slot(token_of(first.upload_url), first.video_id)


def test_only_the_owner_completes_and_only_what_was_stored(uploads):
    owner = uuid4()
    upload = uploads.create(owner, request())
    with pytest.raises(ForbiddenError):
        uploads.complete(upload.video_id, uuid4())
    with pytest.raises(BadInputError, match="No file"):
        uploads.complete(upload.video_id, owner)
    uploads.store.put_bytes(uploads.videos.get_video(upload.video_id).source_key, b"ab", "")
    uploads.complete(upload.video_id, owner)  # 2 bytes stored, 4 declared: the video fails
    video = uploads.videos.get_video(upload.video_id)
    assert video.status == VideoStatus.FAILED
    assert "2 bytes but 4 were declared" in (video.failure_reason or "")
    with pytest.raises(ConflictError, match="failed"):
        uploads.complete(upload.video_id, owner)


def test_an_oversized_body_fails_the_upload_and_a_size_lie_is_refused(uploads):
    with pytest.raises(BadInputError, match="sizeBytes"):
        uploads.create(uuid4(), request(size=1001))
    upload = uploads.create(uuid4(), request())
    slot = uploads.open_slot(token_of(upload.upload_url), upload.video_id)
    assert "larger than the 4 bytes" in uploads.refuse_oversized(slot)
    assert uploads.videos.get_video(upload.video_id).status == VideoStatus.FAILED


def test_a_tus_upload_appends_at_its_offset_and_completes_with_its_last_byte(tmp_path):
    store = FilesystemStore(tmp_path)
    uploads = Uploads(
        Videos(env={}), store, UploadTokens(SECRET, 3600), public_url="http://k.test", max_bytes=9
    )
    resumable = ResumableUploads(uploads, FilesystemResumable(store))
    owner = uuid4()
    created = uploads.create(owner, request())
    token, video_id = token_of(created.tus_url), created.video_id
    with pytest.raises(OffsetConflictError) as wrong:
        resumable.begin(token, video_id, 2)
    assert wrong.value.offset == 0
    for offset, chunk in ((0, b"ab"), (2, b"cd")):
        assert not resumable.status(token, video_id).completed
        append = resumable.begin(token, video_id, offset)
        append.write(chunk)
        assert append.commit() == offset + 2
    assert resumable.status(token, video_id).completed
    assert uploads.videos.get_video(video_id).status == VideoStatus.PROCESSING
    with pytest.raises(ConflictError, match="already completed"):
        resumable.begin(token, video_id, 4)
    with pytest.raises(ConflictError, match="already completed"):
        resumable.terminate(token, video_id)


def test_a_cancelled_tus_upload_is_gone(tmp_path):
    store = FilesystemStore(tmp_path)
    uploads = Uploads(
        Videos(env={}), store, UploadTokens(SECRET, 3600), public_url="http://k.test", max_bytes=9
    )
    resumable = ResumableUploads(uploads, FilesystemResumable(store))
    created = uploads.create(uuid4(), request())
    token = token_of(created.tus_url)
    resumable.terminate(token, created.video_id)
    assert uploads.videos.get_video(created.video_id).status == VideoStatus.FAILED
    with pytest.raises(UploadGoneError):
        resumable.status(token, created.video_id)


# Comments: READY videos the person can see; a rate limit per author.


@pytest.fixture
def commenting() -> tuple[Commenting, fakes.Catalog, fakes.CommentLookup]:
    catalog, lookup = fakes.Catalog(), fakes.CommentLookup()
    return Commenting(Comments(env={}), catalog, lookup, fakes.Limit(allowed=2)), catalog, lookup


async def test_comments_go_on_ready_videos_the_author_can_see(commenting):
    use, catalog, _ = commenting
    author, owner = uuid4(), uuid4()
    processing = catalog.add(fakes.Entry(uuid4(), owner, status=VideoStatus.PROCESSING))
    private = catalog.add(fakes.Entry(uuid4(), owner, visibility=Visibility.PRIVATE))
    for video in (processing.id, private.id, uuid4()):
        with pytest.raises(NotFoundError):
            await use.post(author, video, "hello", None)
    assert (await use.post(owner, private.id, "my own", None)).position > 0


async def test_posting_is_rate_limited_and_a_refused_body_does_not_count(commenting):
    use, catalog, _ = commenting
    author, video = uuid4(), catalog.add(fakes.Entry(uuid4(), uuid4()))
    with pytest.raises(BadInputError):
        await use.post(author, video.id, "\x00", None)
    await use.post(author, video.id, "one", None)
    await use.post(author, video.id, "two", None)
    with pytest.raises(RateLimitedError):
        await use.post(author, video.id, "three", None)


async def test_a_comment_is_changed_by_its_author_while_its_video_is_visible(commenting):
    use, catalog, lookup = commenting
    author, video = uuid4(), catalog.add(fakes.Entry(uuid4(), uuid4()))
    posted = await use.post(author, video.id, "first", None)
    lookup.comments[posted.comment_id] = fakes.CommentEntry(video.id)
    with pytest.raises(ForbiddenError):
        await use.edit(uuid4(), posted.comment_id, "not yours")
    await use.edit(author, posted.comment_id, "edited")
    # The video's owner hid it: its comments are gone for others.
    video.visibility = Visibility.PRIVATE
    with pytest.raises(NotFoundError, match="no such comment"):
        await use.delete(author, posted.comment_id)


# Chat: an open room, the rate limit and slow mode (not for the streamer).


@pytest.fixture
def chat_room():
    live, rooms_app = LiveStreams(env={}), ChatRooms(env={})
    owner = uuid4()
    stream_id = live.create_stream(owner, "Live").stream_id
    run_policy(live, rooms_app)
    rooms, limits = fakes.Rooms(), fakes.SendLimits(allowed=1)
    rooms.rooms[stream_id] = fakes.Room(owner, slow_mode_seconds=30)
    chatting = Chatting(GroupCommit(rooms_app.post_messages), rooms, limits)
    return chatting, rooms_app, rooms, limits, stream_id


async def test_slow_mode_applies_to_viewers_and_not_to_the_streamer(chat_room):
    chatting, _, rooms, limits, stream_id = chat_room
    owner = rooms.rooms[stream_id].owner_id
    await chatting.send(owner, stream_id, "welcome")
    viewer = uuid4()
    with pytest.raises(RateLimitedError):
        await chatting.send(viewer, stream_id, "hi")  # the fake allows one slot at a time
    assert limits.reserved == [(stream_id, owner, 0)]
    await chatting.commit.close()


async def test_a_refused_message_gives_its_slot_back(chat_room):
    chatting, rooms_app, rooms, limits, stream_id = chat_room
    banned = uuid4()
    rooms_app.ban_user(stream_id, rooms.rooms[stream_id].owner_id, banned, None)
    with pytest.raises(ForbiddenError, match="banned"):
        await chatting.send(banned, stream_id, "let me in")
    assert limits.released == limits.reserved
    rooms.rooms[stream_id].closed = True
    with pytest.raises(ForbiddenError, match="ended"):
        await chatting.send(uuid4(), stream_id, "too late")
    with pytest.raises(NotFoundError):
        await chatting.send(uuid4(), uuid4(), "nowhere")
    await chatting.commit.close()


# Sign-in, sessions and views.


async def test_failed_sign_ins_are_throttled_and_bad_text_is_never_counted():
    accounts = Accounts(env={}, passwords=FastPasswords())
    accounts.register("ann@example.com", "ann", "correct horse battery")
    throttle = fakes.Throttle(limit=2)
    sign_in = SignIn(accounts, throttle)
    with pytest.raises(BadInputError):
        await sign_in.login("ann\x00", "x", client="", address="a")
    assert throttle.failures == {}
    for _ in range(2):
        with pytest.raises(UnauthenticatedError):
            await sign_in.login("ann", "wrong password!", client="", address="a")
    with pytest.raises(RateLimitedError):
        await sign_in.login("ann", "correct horse battery", client="", address="a")


async def test_a_token_is_honoured_only_while_its_session_is_active():
    tokens, sessions = AccessTokens(SECRET, 900), fakes.Sessions()
    media = MediaTokens(SECRET)
    auth = Authentication(tokens, sessions, media, fakes.SessionRecords())
    user, session, video = uuid4(), uuid4(), uuid4()
    header = f"Bearer {tokens.issue(user, session)}"
    sessions.known[session] = (user, True)
    assert (await auth.viewer(header)).user_id == user
    assert await auth.owns(user, video, media.issue(video, user, session), None)
    assert not await auth.owns(user, uuid4(), media.issue(video, user, session), None)
    sessions.known[session] = (user, False)  # signed out
    with pytest.raises(UnauthenticatedError):
        await auth.viewer(header)
    assert not await auth.owns(user, video, media.issue(video, user, session), None)
    with pytest.raises(UnauthenticatedError):
        await auth.viewer("Basic abc")


async def test_the_event_store_decides_when_the_sessions_view_does_not_know_the_session():
    """The view is empty while it replays what Redis lost, or behind a fresh sign-in: the
    session's own events decide, so nobody is signed out by a Redis restart. An ended
    session the view holds is final; one the event store called ended is not asked again."""
    tokens, view, records = AccessTokens(SECRET, 900), fakes.Sessions(), fakes.SessionRecords()
    media = MediaTokens(SECRET)
    auth = Authentication(tokens, view, media, records)
    user, session, video = uuid4(), uuid4(), uuid4()
    header = f"Bearer {tokens.issue(user, session)}"
    records.active[session] = user  # the view has not got it yet
    assert (await auth.viewer(header)).user_id == user
    assert await auth.owns(user, video, media.issue(video, user, session), None)
    assert records.asked == 2
    view.known[session] = (user, True)  # the view caught up: the event store is not asked
    assert (await auth.viewer(header)).user_id == user
    view.known[session] = (user, False)  # signed out: the view's word is final
    with pytest.raises(UnauthenticatedError, match="session has ended"):
        await auth.viewer(header)
    assert not await auth.owns(user, video, media.issue(video, user, session), None)
    assert records.asked == 2

    # A session the view lacks (expired there, or never seen) that the event store calls
    # ended: refused, and remembered.
    gone = uuid4()
    gone_header = f"Bearer {tokens.issue(user, gone)}"
    for _ in range(3):
        with pytest.raises(UnauthenticatedError):
            await auth.viewer(gone_header)
    assert records.asked == 3
    someone_elses = uuid4()
    records.active[someone_elses] = uuid4()
    with pytest.raises(UnauthenticatedError):
        await auth.viewer(f"Bearer {tokens.issue(user, someone_elses)}")


def test_only_the_newest_ended_sessions_are_remembered():
    ended = EndedSessions(size=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    for session in (first, second, third):
        ended.add(session)
    assert first not in ended
    assert second in ended and third in ended


async def test_views_count_watchable_videos_once_per_viewer():
    catalog, tally = fakes.Catalog(), fakes.Tally()
    viewing = Viewing(catalog, tally)
    public = catalog.add(fakes.Entry(uuid4(), uuid4()))
    private = catalog.add(fakes.Entry(uuid4(), uuid4(), visibility=Visibility.PRIVATE))
    with pytest.raises(BadInputError, match="viewerId"):
        await viewing.record(public.id, None, None, 10)
    with pytest.raises(BadInputError, match="secondsWatched"):
        await viewing.record(public.id, None, "device-1", -1)
    with pytest.raises(NotFoundError):
        await viewing.record(private.id, None, "device-1", 10)
    assert await viewing.record(public.id, None, "device-1", 10)
    assert not await viewing.record(public.id, None, "device-1", 10)
    assert await viewing.record(private.id, private.owner_id, None, 10)
