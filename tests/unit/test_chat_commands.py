"""The chat application: room life cycle (policy), posting in batches, moderation."""

from __future__ import annotations

from uuid import uuid4

import pytest

from kino.commands.chat import ChatRooms, PostedMessage, PostRequest
from kino.commands.live import LiveStreams
from kino.domain.chat import BODY, ChatMessage
from kino.domain.errors import BadInputError, ForbiddenError, KinoError, NotFoundError
from tests.unit.live_helpers import Clock, run_policy


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def apps(clock):
    live, chat = LiveStreams(env={}), ChatRooms(env={}, clock=clock)
    owner = uuid4()
    stream_id = live.create_stream(owner, "t").stream_id
    run_policy(live, chat)
    return live, chat, owner, stream_id


def stored_messages(chat: ChatRooms) -> list[ChatMessage.Posted]:
    events = [chat.mapper.to_domain_event(n) for n in chat.recorder.select_notifications(1, 10000)]
    return [event for event in events if isinstance(event, ChatMessage.Posted)]


def test_the_room_opens_with_the_stream_and_closes_when_it_ends(apps):
    live, chat, owner, stream_id = apps
    room = chat.get_room(stream_id)
    assert room.owner_id == owner
    assert not room.closed
    live.end_stream(stream_id, owner)
    run_policy(live, chat)
    assert chat.get_room(stream_id).closed
    with pytest.raises(ForbiddenError):
        chat.post_message(PostRequest(stream_id, uuid4(), "hello"))
    assert stored_messages(chat) == []


def test_a_batch_saves_the_good_messages_and_refuses_each_bad_one_alone(apps):
    _, chat, _, stream_id = apps
    banned, author = uuid4(), uuid4()
    chat.ban_user(stream_id, chat.get_room(stream_id).owner_id, banned, None)
    outcomes = chat.post_messages(
        [
            PostRequest(stream_id, author, " first "),
            PostRequest(stream_id, banned, "nope"),
            PostRequest(uuid4(), author, "unknown room"),
            PostRequest(stream_id, author, "bell\x07"),
            PostRequest(stream_id, author, "second"),
        ]
    )
    kinds = [type(outcome) for outcome in outcomes]
    assert kinds == [PostedMessage, ForbiddenError, NotFoundError, BadInputError, PostedMessage]
    first, second = outcomes[0], outcomes[4]
    assert isinstance(first, PostedMessage)
    assert isinstance(second, PostedMessage)
    assert first.body == "first"
    assert first.position < second.position
    assert [event.body for event in stored_messages(chat)] == ["first", "second"]


def test_a_ban_with_a_duration_expires(apps, clock):
    _, chat, owner, stream_id = apps
    user = uuid4()
    chat.ban_user(stream_id, owner, user, 60)
    with pytest.raises(ForbiddenError):
        chat.post_message(PostRequest(stream_id, user, "hi"))
    clock.advance(61)
    assert chat.post_message(PostRequest(stream_id, user, "hi")).body == "hi"


def test_only_the_owner_moderates(apps):
    _, chat, owner, stream_id = apps
    with pytest.raises(ForbiddenError):
        chat.ban_user(stream_id, uuid4(), uuid4(), None)
    with pytest.raises(ForbiddenError):
        chat.set_slow_mode(stream_id, uuid4(), 10)
    with pytest.raises(BadInputError):
        chat.set_slow_mode(stream_id, owner, 301)
    with pytest.raises(BadInputError):
        chat.ban_user(stream_id, owner, owner, None)
    with pytest.raises(BadInputError):
        chat.ban_user(stream_id, owner, uuid4(), 0)
    assert chat.set_slow_mode(stream_id, owner, 30) is not None
    assert chat.get_room(stream_id).slow_mode_seconds == 30
    assert chat.set_slow_mode(stream_id, owner, 30) is None  # unchanged: nothing stored


def test_delete_by_author_or_owner_only(apps):
    _, chat, owner, stream_id = apps
    author = uuid4()
    first = chat.post_message(PostRequest(stream_id, author, "one"))
    second = chat.post_message(PostRequest(stream_id, author, "two"))
    with pytest.raises(ForbiddenError):
        chat.delete_message(first.id, uuid4())
    assert chat.delete_message(first.id, author)[0] == stream_id
    assert chat.delete_message(second.id, owner)[0] == stream_id
    with pytest.raises(NotFoundError):
        chat.delete_message(second.id, owner)
    with pytest.raises(NotFoundError):
        chat.delete_message(uuid4(), owner)


@pytest.mark.parametrize(
    "body",
    ["", "   ", "\n\t ", "x" * 501, "a\x00b", "line\nbreak", "esc\x1b[31m", "rtl\u202eevil"],
)
def test_bad_bodies(body):
    with pytest.raises(BadInputError):
        BODY.clean(body)


def test_bodies_are_trimmed_and_may_be_500_characters():
    assert BODY.clean("  héllo 👋  ") == "héllo 👋"
    assert BODY.clean("y" * 500) == "y" * 500
    assert BODY.clean(" " + "z" * 500 + " ") == "z" * 500


def test_refusals_are_kino_errors():
    assert issubclass(ForbiddenError, KinoError)


def test_an_unban_lets_the_user_post_again_and_only_the_owner_may(apps):
    _, chat, owner, stream_id = apps
    user = uuid4()
    chat.ban_user(stream_id, owner, user, None)
    with pytest.raises(ForbiddenError):
        chat.unban_user(stream_id, uuid4(), user)
    with pytest.raises(ForbiddenError):
        chat.post_message(PostRequest(stream_id, user, "hi"))
    assert chat.unban_user(stream_id, owner, user) is not None
    assert chat.post_message(PostRequest(stream_id, user, "hi")).body == "hi"
    assert chat.unban_user(stream_id, owner, user) is None  # not banned: nothing stored
