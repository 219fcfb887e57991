"""The in-memory readers answer like the PostgreSQL and Redis ones: the same order, keyset
paging (``first + 1`` rows tell that more follow), visibility and lookups."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from uuid import UUID, uuid4

from kino.domain.live import LiveStatus
from kino.domain.video_values import VideoStatus, Visibility
from kino.queries.chat import ChatMessageRecord
from kino.queries.comments import CommentRecord
from kino.queries.live import LiveStreamRecord
from kino.queries.memory import (
    MemoryChat,
    MemoryComments,
    MemoryLiveStreams,
    MemorySessions,
    MemoryUsers,
    MemoryVideos,
    matches,
)
from kino.queries.users import UserRecord
from kino.queries.videos import PageRequest, VideoRecord

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def at(minutes: int) -> datetime:
    return T0 + timedelta(minutes=minutes)


def video(minute: int, owner: UUID, **changes: object) -> VideoRecord:
    record = VideoRecord(
        id=uuid4(),
        owner_id=owner,
        title=f"video {minute}",
        description="",
        visibility=Visibility.PUBLIC,
        status=VideoStatus.READY,
        created_at=at(minute),
        duration_seconds=None,
        width=None,
        height=None,
        renditions=(),
        playback_key=None,
        thumbnail_key=None,
        poster_key=None,
        failure_reason=None,
    )
    return replace(record, **changes)


def comment(minute: int, video_id: UUID, parent: UUID | None = None) -> CommentRecord:
    return CommentRecord(
        uuid4(), video_id, parent, uuid4(), f"at {minute}", at(minute), None, False, 0
    )


def user(handle: str, email: str | None = None) -> UserRecord:
    return UserRecord(uuid4(), handle, email, handle.title(), T0)


def titles(rows: list[VideoRecord]) -> list[str]:
    return [row.title for row in rows]


async def test_the_catalog_pages_newest_first_and_tells_when_more_follow():
    owner = uuid4()
    catalog = MemoryVideos()
    catalog.add(*(video(minute, owner) for minute in range(5)))

    first = await catalog.page(PageRequest(first=2))
    assert titles(first) == ["video 4", "video 3", "video 2"]  # one more: a next page exists
    last_shown = first[1]
    second = await catalog.page(PageRequest(first=2, after=(last_shown.created_at, last_shown.id)))
    assert titles(second) == ["video 2", "video 1", "video 0"]
    third = await catalog.page(PageRequest(first=2, after=(second[1].created_at, second[1].id)))
    assert titles(third) == ["video 0"]  # no extra row: the last page


async def test_rows_created_at_the_same_moment_are_ordered_by_id():
    owner = uuid4()
    catalog = MemoryVideos()
    same = [video(1, owner, id=UUID(int=n), title=str(n)) for n in (3, 1, 2)]
    catalog.add(*same)
    assert titles(await catalog.page(PageRequest(first=5))) == ["3", "2", "1"]
    after_two = (at(1), UUID(int=2))
    assert titles(await catalog.page(PageRequest(first=5, after=after_two))) == ["1"]


async def test_the_catalog_lists_ready_public_videos_and_mine_lists_all_of_mine():
    me, other = uuid4(), uuid4()
    catalog = MemoryVideos()
    catalog.add(
        video(1, me, title="public"),
        video(2, me, title="private", visibility=Visibility.PRIVATE),
        video(3, me, title="unlisted", visibility=Visibility.UNLISTED),
        video(4, me, title="processing", status=VideoStatus.PROCESSING),
        video(5, other, title="theirs, private", visibility=Visibility.PRIVATE),
    )
    assert titles(await catalog.page(PageRequest(first=10))) == ["public"]
    mine = await catalog.page(PageRequest(first=10, mine=me))
    assert titles(mine) == ["processing", "unlisted", "private", "public"]


async def test_a_channel_is_found_by_its_handle_and_search_matches_words():
    ann, bob = user("ann"), user("bob")
    users = MemoryUsers()
    users.add(ann, bob)
    catalog = MemoryVideos(users=users)
    catalog.add(
        video(1, ann.id, title="Cats at home", description="sleepy"),
        video(2, ann.id, title="Dogs outside"),
        video(3, bob.id, title="More cats"),
    )
    channel = await catalog.page(PageRequest(first=10, owner_handle=" ANN "))
    assert titles(channel) == ["Dogs outside", "Cats at home"]
    assert await catalog.page(PageRequest(first=10, owner_handle="nobody")) == []
    found = await catalog.page(PageRequest(first=10, search="cats"))
    assert titles(found) == ["More cats", "Cats at home"]
    assert titles(await catalog.page(PageRequest(first=10, search="cats -more"))) == [
        "Cats at home"
    ]
    assert titles(await catalog.page(PageRequest(first=10, search="SLEEPY cats"))) == [
        "Cats at home"
    ]
    assert not matches("cat", "Cats at home")  # words, not substrings
    assert matches("dogs or cats", "Cats at home")
    assert not matches("dogs or birds", "Cats at home")


async def test_top_level_comments_page_newest_first_and_replies_oldest_first():
    video_id = uuid4()
    comments = MemoryComments()
    tops = [comment(minute, video_id) for minute in range(4)]
    parent = tops[0]
    replies = [comment(10 + minute, video_id, parent.id) for minute in range(3)]
    comments.add(*tops, *replies, comment(5, uuid4()))

    page = await comments.top_level(video_id, 2, None)
    assert [c.body for c in page] == ["at 3", "at 2", "at 1"]
    rest = await comments.top_level(video_id, 2, (page[1].created_at, page[1].id))
    assert [c.body for c in rest] == ["at 1", "at 0"]

    found = await comments.replies([parent.id, tops[1].id], 1, None)
    assert [c.body for c in found[parent.id]] == ["at 10", "at 11"]
    assert found[tops[1].id] == []
    later = await comments.replies([parent.id], 5, (replies[0].created_at, replies[0].id))
    assert [c.body for c in later[parent.id]] == ["at 11", "at 12"]
    assert await comments.by_id(parent.id) == parent


async def test_live_streams_page_by_offset_and_live_ones_by_start():
    owner = uuid4()

    def stream(minute: int, status: LiveStatus = LiveStatus.OFFLINE, started: int | None = None):
        started_at = at(started) if started is not None else None
        return LiveStreamRecord(
            uuid4(), owner, f"s{minute}", "", status, at(minute), started_at, None
        )

    streams = MemoryLiveStreams()
    records = [
        stream(0, LiveStatus.LIVE, started=9),
        stream(1),
        stream(2, LiveStatus.LIVE, started=5),
        stream(3, LiveStatus.ENDED, started=4),
    ]
    streams.add(*records)
    page, more = await streams.page(2, 0, live_only=False)
    assert ([s.title for s in page], more) == (["s3", "s2"], True)
    page, more = await streams.page(2, 2, live_only=False)
    assert ([s.title for s in page], more) == (["s1", "s0"], False)
    page, more = await streams.page(5, 0, live_only=True)
    assert ([s.title for s in page], more) == (["s0", "s2"], False)
    found = await streams.streams([records[2].id, uuid4(), records[0].id])
    assert [s.title for s in found] == ["s2", "s0"]


async def test_chat_history_is_the_newest_messages_oldest_first():
    stream_id, owner = uuid4(), uuid4()
    chat = MemoryChat()
    assert await chat.room(stream_id) is None
    chat.open(stream_id, owner, slow_mode_seconds=10)
    room = await chat.room(stream_id)
    assert room is not None and (room.owner_id, room.slow_mode_seconds) == (owner, 10)
    chat.post(*(ChatMessageRecord(uuid4(), stream_id, owner, str(n), at(n)) for n in range(5)))
    assert [m.body for m in await chat.recent(stream_id, 3)] == ["2", "3", "4"]
    assert await chat.recent(stream_id, 0) == []
    assert await chat.recent(uuid4(), 3) == []


async def test_users_sessions_and_positions():
    ann = user("ann", "ann@example.com")
    users = MemoryUsers()
    users.add(ann)
    assert await users.by_handle("  Ann ") == ann
    assert await users.by_email("ANN@example.com ") == ann
    missing = uuid4()
    assert await users.by_ids([ann.id, missing]) == {ann.id: ann}
    assert await users.by_id(missing) is None

    sessions = MemorySessions()
    session = uuid4()
    sessions.start(session, ann.id)
    assert await sessions.lookup(session) == (ann.id, True)
    sessions.revoke(session)
    assert await sessions.lookup(session) == (ann.id, False)
    assert await sessions.lookup(uuid4()) is None

    assert await users.position("accounts") == 0
    users.positions["accounts"] = 7
    assert await users.position("accounts") == 7
