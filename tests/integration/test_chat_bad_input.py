"""Bad input is refused with a clear error, and nothing is stored."""

from __future__ import annotations

import asyncio

import pytest

from kino.domain.chat import ChatMessage
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    CHAT,
    HISTORY,
    SEND,
    Subscriber,
    owner_and_stream,
)

END = "mutation($id: ID!) { endLiveStream(id: $id) { status } }"
UNKNOWN = "00000000-0000-4000-8000-000000000000"


async def posted_in(api, stream_id: str) -> list[str]:
    chat = api.container.chat.app
    notifications = await asyncio.to_thread(chat.recorder.select_notifications, 1, 100000)
    events = [chat.mapper.to_domain_event(n) for n in notifications]
    return [
        e.body
        for e in events
        if isinstance(e, ChatMessage.Posted) and str(e.stream_id) == stream_id
    ]


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ("", "BAD_USER_INPUT"),
        ("   \t  ", "BAD_USER_INPUT"),
        ("x" * 501, "BAD_USER_INPUT"),
        ("y" * 100_000, "BAD_USER_INPUT"),
        ("null\x00byte", "BAD_USER_INPUT"),
        ("new\nline", "BAD_USER_INPUT"),
        ("bell\x07", "BAD_USER_INPUT"),
        ("\u202eevil", "BAD_USER_INPUT"),
    ],
)
async def test_bad_bodies_are_refused_and_not_stored(http, api, body, code):
    _, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    fan = await register(http)
    with pytest.raises(GraphQLError) as refused:
        await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])
    assert refused.value.code == code
    assert refused.value.errors[0]["extensions"].get("field") == "body"
    assert await posted_in(api, stream_id) == []
    assert (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"] == []


async def test_unknown_ended_and_unauthenticated(http, api):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    with pytest.raises(GraphQLError) as unknown:
        await gql(http, SEND, {"s": UNKNOWN, "b": "hi"}, token=owner["accessToken"])
    assert unknown.value.code == "NOT_FOUND"
    with pytest.raises(GraphQLError) as malformed:
        await gql(http, SEND, {"s": "not-an-id", "b": "hi"}, token=owner["accessToken"])
    assert malformed.value.code == "BAD_USER_INPUT"
    with pytest.raises(GraphQLError) as anonymous:
        await gql(http, SEND, {"s": stream_id, "b": "hi"})
    assert anonymous.value.code == "UNAUTHENTICATED"
    await gql(http, END, {"id": stream_id}, token=owner["accessToken"])
    with pytest.raises(GraphQLError) as ended:
        await gql(http, SEND, {"s": stream_id, "b": "hi"}, token=owner["accessToken"])
    assert ended.value.code == "FORBIDDEN"
    assert "ended" in str(ended.value)
    assert await posted_in(api, stream_id) == []
    with pytest.raises(GraphQLError) as no_history:
        await gql(http, HISTORY, {"s": UNKNOWN})
    assert no_history.value.code == "NOT_FOUND"
    for last in (0, 501):
        with pytest.raises(GraphQLError) as bad_last:
            await gql(http, HISTORY, {"s": stream_id, "n": last})
        assert bad_last.value.code == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("variables", "code"),
    [
        ({"s": "not-an-id"}, "BAD_USER_INPUT"),
        ({"s": UNKNOWN}, "NOT_FOUND"),
        ({}, None),  # missing variable: a validation error
        ({"s": 42}, None),
    ],
)
async def test_invalid_subscription_variables(api, variables, code):
    viewer = await Subscriber.connect(api.url)
    op_id = await viewer.subscribe(CHAT, variables)
    message = await viewer.receive()
    assert message["id"] == op_id
    if message["type"] == "error":
        errors = message["payload"]
    else:
        assert message["type"] == "next", message
        errors = message["payload"]["errors"]
        assert message["payload"]["data"] is None
        assert (await viewer.receive())["type"] == "complete"
    assert errors
    assert errors[0]["message"]
    if code:
        assert errors[0]["extensions"]["code"] == code
    await viewer.close()
