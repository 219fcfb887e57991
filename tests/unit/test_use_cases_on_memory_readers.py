"""The read side's part in the use cases, without servers: the in-memory readers stand in for
the catalog, the comments and the sessions (the applications run on eventsourcing's
in-memory store)."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime
from uuid import UUID, uuid4

import pytest

from kino.commands.authentication import Authentication
from kino.commands.commenting import Commenting
from kino.commands.comments import Comments
from kino.commands.viewing import Viewing
from kino.domain.errors import BadInputError, NotFoundError, RateLimitedError, UnauthenticatedError
from kino.domain.video_values import VideoStatus, Visibility
from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.tokens import AccessTokens
from kino.queries.comments import CommentRecord
from kino.queries.memory import MemoryComments, MemorySessions, MemoryVideos
from kino.queries.videos import VideoRecord
from tests.unit import fakes

OWNER, FAN = uuid4(), uuid4()
SECRET = "s" * 40


def video(**changes: object) -> VideoRecord:
    record = VideoRecord(
        id=uuid4(),
        owner_id=OWNER,
        title="A clip",
        description="",
        visibility=Visibility.PUBLIC,
        status=VideoStatus.READY,
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        duration_seconds=4.0,
        width=256,
        height=144,
        renditions=(),
        playback_key=None,
        thumbnail_key=None,
        poster_key=None,
        failure_reason=None,
    )
    return replace(record, **changes)


class Limit:
    """Allows ``allowed`` hits per key, then refuses (as the Redis rate limit does)."""

    def __init__(self, allowed: int) -> None:
        self.allowed, self.hits = allowed, Counter[object]()

    async def hit(self, key: object, what: str) -> None:
        if self.hits[key] >= self.allowed:
            raise RateLimitedError(f"Too many {what}.", retry_after_seconds=60)
        self.hits[key] += 1


class Tally:
    def __init__(self) -> None:
        self.recorded: list[tuple[UUID, str]] = []

    async def record(self, video_id: UUID, viewer_key: str, seconds_watched: float) -> bool:
        self.recorded.append((video_id, viewer_key))
        return True


@pytest.fixture
def catalog() -> MemoryVideos:
    return MemoryVideos()


@pytest.fixture
def comments() -> MemoryComments:
    return MemoryComments()


def commenting(catalog: MemoryVideos, comments: MemoryComments, allowed: int = 5) -> Commenting:
    return Commenting(Comments(env={}), catalog, comments, Limit(allowed))


async def test_comments_go_on_ready_videos_the_author_can_see(catalog, comments):
    public, private, processing = (
        video(),
        video(visibility=Visibility.PRIVATE),
        video(status=VideoStatus.PROCESSING),
    )
    catalog.add(public, private, processing)
    use_case = commenting(catalog, comments)

    posted = await use_case.post(FAN, public.id, "  Nice!  ", None)
    app_comment = use_case.comments.get_comment(posted.comment_id)
    assert (app_comment.video_id, app_comment.body) == (public.id, "Nice!")
    for hidden in (private, processing, video()):  # the last one is not in the catalog
        with pytest.raises(NotFoundError):
            await use_case.post(FAN, hidden.id, "hello", None)
    assert (await use_case.post(OWNER, private.id, "mine", None)).comment_id


async def test_posting_is_rate_limited_but_a_refused_body_costs_nothing(catalog, comments):
    clip = video()
    catalog.add(clip)
    use_case = commenting(catalog, comments, allowed=1)
    with pytest.raises(BadInputError):
        await use_case.post(FAN, clip.id, "   ", None)
    await use_case.post(FAN, clip.id, "first", None)
    with pytest.raises(RateLimitedError):
        await use_case.post(FAN, clip.id, "second", None)
    await use_case.post(OWNER, clip.id, "others may", None)


async def test_a_comment_changes_only_while_its_video_is_visible(catalog, comments):
    clip = video()
    catalog.add(clip)
    use_case = commenting(catalog, comments)
    posted = await use_case.post(FAN, clip.id, "first", None)
    comments.add(
        CommentRecord(
            posted.comment_id, clip.id, None, FAN, "first", clip.created_at, None, False, 0
        )
    )
    assert await use_case.edit(FAN, posted.comment_id, "edited") is not None

    catalog.add(replace(clip, visibility=Visibility.PRIVATE))  # the owner hid the video
    with pytest.raises(NotFoundError):
        await use_case.edit(FAN, posted.comment_id, "again")
    with pytest.raises(NotFoundError):
        await use_case.delete(FAN, uuid4())  # not in the read model


async def test_views_count_on_videos_the_viewer_may_watch(catalog):
    public, private = video(), video(visibility=Visibility.PRIVATE)
    catalog.add(public, private)
    tally = Tally()
    viewing = Viewing(catalog, tally)

    assert await viewing.record(public.id, None, "browser-1", 6.0)
    assert await viewing.record(private.id, OWNER, None, 6.0)
    with pytest.raises(NotFoundError):
        await viewing.record(private.id, FAN, None, 6.0)
    with pytest.raises(BadInputError):
        await viewing.record(public.id, None, "  ", 6.0)
    assert tally.recorded == [(public.id, "anon:browser-1"), (private.id, f"user:{OWNER}")]


async def test_a_bearer_token_counts_only_while_its_session_is_active():
    sessions = MemorySessions()
    tokens = AccessTokens(SECRET, 900)
    authentication = Authentication(tokens, sessions, MediaTokens(SECRET), fakes.SessionRecords())
    session = uuid4()
    sessions.start(session, FAN)
    header = f"Bearer {tokens.issue(FAN, session)}"

    viewer = await authentication.viewer(header)
    assert viewer is not None and (viewer.user_id, viewer.session_id) == (FAN, session)
    assert await authentication.viewer(None) is None
    sessions.revoke(session)
    with pytest.raises(UnauthenticatedError):
        await authentication.viewer(header)
