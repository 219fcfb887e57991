"""Moderation: bans (until they expire), slow mode, rate limit, deletion."""

from __future__ import annotations

import pytest

from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    CHAT,
    HISTORY,
    SEND,
    Subscriber,
    chat_channel,
    owner_and_stream,
    wait_for_chat,
    wait_subscribed,
)

BAN = """mutation($s: ID!, $u: ID!, $d: Int) {
  banChatUser(streamId: $s, userId: $u, durationSeconds: $d) }"""
SLOW = """mutation($s: ID!, $n: Int!) {
  setChatSlowMode(streamId: $s, seconds: $n) { id chatSlowModeSeconds } }"""
DELETE = "mutation($id: ID!) { deleteChatMessage(id: $id) }"


async def send(http, stream_id: str, body: str, user: dict) -> dict:
    data = await gql(http, SEND, {"s": stream_id, "b": body}, token=user["accessToken"])
    return data["sendChatMessage"]  # type: ignore[no-any-return]


async def test_a_banned_user_is_refused_until_the_ban_expires(http):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    fan, bystander = await register(http), await register(http)
    with pytest.raises(GraphQLError) as not_owner:
        await gql(
            http,
            BAN,
            {"s": stream_id, "u": fan["user"]["id"], "d": None},
            token=bystander["accessToken"],
        )
    assert not_owner.value.code == "FORBIDDEN"

    await gql(
        http, BAN, {"s": stream_id, "u": fan["user"]["id"], "d": 1}, token=owner["accessToken"]
    )
    with pytest.raises(GraphQLError) as banned:
        await send(http, stream_id, "let me in", fan)
    assert banned.value.code == "FORBIDDEN"
    assert (await send(http, stream_id, "still here", bystander))["body"] == "still here"
    while True:  # the ban lasts one second: refused until it has expired, then accepted
        try:
            await send(http, stream_id, "back", fan)
            break
        except GraphQLError as error:
            if error.code != "FORBIDDEN":
                raise
    bodies = [
        m["body"] for m in (await gql(http, HISTORY, {"s": stream_id, "n": 50}))["chatMessages"]
    ]
    assert bodies == ["still here", "back"]


async def test_a_ban_without_duration_lasts(http):
    owner, created = await owner_and_stream(http)
    fan = await register(http)
    stream_id = created["stream"]["id"]
    await gql(http, BAN, {"s": stream_id, "u": fan["user"]["id"]}, token=owner["accessToken"])
    for _ in range(3):
        with pytest.raises(GraphQLError) as banned:
            await send(http, stream_id, "hello?", fan)
        assert banned.value.code == "FORBIDDEN"


async def test_slow_mode_refuses_early_messages_and_says_when_to_retry(http):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    fan = await register(http)
    with pytest.raises(GraphQLError) as not_owner:
        await gql(http, SLOW, {"s": stream_id, "n": 10}, token=fan["accessToken"])
    assert not_owner.value.code == "FORBIDDEN"
    for bad in (-1, 301):
        with pytest.raises(GraphQLError) as out_of_range:
            await gql(http, SLOW, {"s": stream_id, "n": bad}, token=owner["accessToken"])
        assert out_of_range.value.code == "BAD_USER_INPUT"

    stream = await gql(http, SLOW, {"s": stream_id, "n": 300}, token=owner["accessToken"])
    assert stream["setChatSlowMode"]["chatSlowModeSeconds"] == 300
    await send(http, stream_id, "first", fan)
    with pytest.raises(GraphQLError) as early:
        await send(http, stream_id, "second", fan)
    assert early.value.code == "RATE_LIMITED"
    retry = early.value.errors[0]["extensions"]["retryAfterSeconds"]
    assert 0 < retry <= 300
    # The owner is not slowed down; turning slow mode off lets the fan speak again.
    await send(http, stream_id, "owner 1", owner)
    await send(http, stream_id, "owner 2", owner)
    await gql(http, SLOW, {"s": stream_id, "n": 0}, token=owner["accessToken"])
    await send(http, stream_id, "second", fan)
    bodies = [m["body"] for m in (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]]
    assert bodies == ["first", "owner 1", "owner 2", "second"]


async def test_twenty_messages_per_thirty_seconds(http):
    _, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    fan = await register(http)
    for number in range(20):
        await send(http, stream_id, f"m{number}", fan)
    with pytest.raises(GraphQLError) as limited:
        await send(http, stream_id, "one too many", fan)
    assert limited.value.code == "RATE_LIMITED"
    assert limited.value.errors[0]["extensions"]["retryAfterSeconds"] > 0
    history = (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]
    assert len(history) == 20


async def test_deleted_message_reaches_subscribers_and_leaves_the_history(
    http, api, settings, endpoints
):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    fan, other = await register(http), await register(http)
    viewer = await Subscriber.connect(api.url)  # anonymous
    await viewer.subscribe(CHAT, {"s": stream_id})
    await wait_subscribed(endpoints.redis_url, chat_channel(settings, stream_id))
    mine = await send(http, stream_id, "oops", fan)
    kept = await send(http, stream_id, "keep me", fan)
    rude = await send(http, stream_id, "rude", other)
    with pytest.raises(GraphQLError) as not_yours:
        await gql(http, DELETE, {"id": kept["id"]}, token=other["accessToken"])
    assert not_yours.value.code == "FORBIDDEN"
    assert (await gql(http, DELETE, {"id": mine["id"]}, token=fan["accessToken"]))[
        "deleteChatMessage"
    ]
    assert (await gql(http, DELETE, {"id": rude["id"]}, token=owner["accessToken"]))[
        "deleteChatMessage"
    ]
    with pytest.raises(GraphQLError) as twice:
        await gql(http, DELETE, {"id": rude["id"]}, token=owner["accessToken"])
    assert twice.value.code == "NOT_FOUND"

    await wait_for_chat(viewer, "rude")
    deleted = [await viewer.receive(), await viewer.receive()]
    assert [m["payload"]["data"]["chat"] for m in deleted] == [
        {"__typename": "ChatMessageDeleted", "messageId": mine["id"]},
        {"__typename": "ChatMessageDeleted", "messageId": rude["id"]},
    ]
    history = (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]
    assert [m["body"] for m in history] == ["keep me"]
    await viewer.close()


BANS = """query($s: ID!) { chatBans(streamId: $s) { until user { id handle } } }"""
UNBAN = "mutation($s: ID!, $u: ID!) { unbanChatUser(streamId: $s, userId: $u) }"


async def test_the_owner_lists_bans_and_lifts_one(http):
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    for_good, for_a_while, bystander = (
        await register(http),
        await register(http),
        await register(http),
    )
    token = owner["accessToken"]
    await gql(http, BAN, {"s": stream_id, "u": for_good["user"]["id"]}, token=token)
    await gql(http, BAN, {"s": stream_id, "u": for_a_while["user"]["id"], "d": 600}, token=token)

    bans = (await gql(http, BANS, {"s": stream_id}, token=token))["chatBans"]
    assert [ban["user"]["id"] for ban in bans] == [
        for_good["user"]["id"],
        for_a_while["user"]["id"],
    ]
    assert bans[0]["until"] is None and bans[1]["until"] is not None
    for outsider in (bystander["accessToken"], None):
        with pytest.raises(GraphQLError) as refused:
            await gql(http, BANS, {"s": stream_id}, token=outsider)
        assert refused.value.code in ("FORBIDDEN", "UNAUTHENTICATED")
    with pytest.raises(GraphQLError) as not_owner:
        await gql(
            http,
            UNBAN,
            {"s": stream_id, "u": for_good["user"]["id"]},
            token=bystander["accessToken"],
        )
    assert not_owner.value.code == "FORBIDDEN"

    await gql(http, UNBAN, {"s": stream_id, "u": for_good["user"]["id"]}, token=token)
    assert (await send(http, stream_id, "thanks", for_good))["body"] == "thanks"
    bans = (await gql(http, BANS, {"s": stream_id}, token=token))["chatBans"]
    assert [ban["user"]["id"] for ban in bans] == [for_a_while["user"]["id"]]


MINE = """query { myLiveStreams(first: 10) { edges { node { id title status } } } }"""


async def test_my_live_streams_lists_only_mine_newest_first(http):
    owner, first = await owner_and_stream(http)
    second = (
        await gql(
            http,
            'mutation { createLiveStream(title: "second") { stream { id } } }',
            token=owner["accessToken"],
        )
    )["createLiveStream"]
    _, someone_elses = await owner_and_stream(http)
    mine = (await gql(http, MINE, token=owner["accessToken"]))["myLiveStreams"]["edges"]
    ids = [edge["node"]["id"] for edge in mine]
    assert ids == [second["stream"]["id"], first["stream"]["id"]]
    assert someone_elses["stream"]["id"] not in ids
    with pytest.raises(GraphQLError) as anonymous:
        await gql(http, MINE)
    assert anonymous.value.code == "UNAUTHENTICATED"
