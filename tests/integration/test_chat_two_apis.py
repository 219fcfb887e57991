"""Several api processes: every subscriber, on any replica, gets every accepted message
exactly once and in the same order; the event store holds exactly the accepted ones."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from typing import Any

import httpx
import pytest

from kino.domain.chat import ChatMessage
from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import (
    SEND,
    Subscriber,
    api_process,
    api_server,
    chat_channel,
    owner_and_stream,
    wait_subscribed,
)

IDS = """subscription($s: ID!) { chat(streamId: $s) {
  ... on ChatMessagePosted { message { id body } } } }"""
WARM_UP = "warm-up"


async def collect(viewer: Subscriber, ready: asyncio.Event, expected: int) -> list[str]:
    """Message ids after the warm-up, until ``expected`` of them have arrived."""
    ids: list[str] = []
    while len(ids) < expected or expected < 0:
        message = await viewer.receive()
        assert message["type"] == "next", message
        posted = message["payload"]["data"]["chat"]["message"]
        if posted["body"].startswith(WARM_UP):
            ready.set()
        elif ready.is_set():
            ids.append(posted["id"])
    return ids


async def warm_up(http: httpx.AsyncClient, stream_id: str, owner: dict, flags: list) -> None:
    """Send warm-up messages until every subscriber has received one (it is then attached)."""
    for n in itertools.count():
        if all(flag.is_set() for flag in flags):
            return
        await gql(http, SEND, {"s": stream_id, "b": f"{WARM_UP} {n}"}, token=owner["accessToken"])
        await asyncio.sleep(0.05)


async def stored_posts(api: Any, stream_id: str) -> list[str]:
    chat = api.container.chat.app
    notifications = await asyncio.to_thread(chat.recorder.select_notifications, 1, 1_000_000)
    events = [chat.mapper.to_domain_event(n) for n in notifications]
    return [
        str(e.originator_id)
        for e in events
        if isinstance(e, ChatMessage.Posted)
        and str(e.stream_id) == stream_id
        and not e.body.startswith(WARM_UP)
    ]


async def run_room(
    settings, endpoints, *, subscribers: int, senders: int, per_sender: int, bad_every: int
) -> None:
    async with contextlib.AsyncExitStack() as stack:
        local = await stack.enter_async_context(api_server(settings, endpoints))
        http = await stack.enter_async_context(httpx.AsyncClient(base_url=local.url, timeout=60))
        owner, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        users = await asyncio.gather(*(register(http) for _ in range(senders)))
        env = {"KINO_CHAT_RATE_LIMIT": "100000"}
        urls = [
            await stack.enter_async_context(api_process(settings, endpoints, **env))
            for _ in range(2)
        ]
        clients = [
            await stack.enter_async_context(httpx.AsyncClient(base_url=url, timeout=60))
            for url in urls
        ]
        viewers = [await Subscriber.connect(urls[i % 2]) for i in range(subscribers)]
        for viewer in viewers:
            await viewer.subscribe(IDS, {"s": stream_id})
        await wait_subscribed(endpoints.redis_url, chat_channel(settings, stream_id), 2)
        flags = [asyncio.Event() for _ in viewers]
        bad_body = "control\x07char"
        expected = senders * (per_sender - per_sender // bad_every)
        readers = [
            asyncio.create_task(collect(viewer, flag, expected))
            for viewer, flag in zip(viewers, flags, strict=True)
        ]
        await warm_up(clients[0], stream_id, owner, flags)

        refusals: list[tuple[bool, str | None]] = []

        async def sender(index: int) -> list[str]:
            accepted = []
            for n in range(per_sender):
                bad = (n + 1) % bad_every == 0
                body = bad_body if bad else f"message {index}-{n}"
                variables = {"s": stream_id, "b": body}
                try:
                    data = await gql(
                        clients[(index + n) % 2], SEND, variables, token=users[index]["accessToken"]
                    )
                except GraphQLError as error:
                    refusals.append((bad, error.code))
                    continue
                assert not bad
                accepted.append(data["sendChatMessage"]["id"])
            return accepted

        sent = await asyncio.gather(*(sender(i) for i in range(senders)))
        accepted = {message_id for ids in sent for message_id in ids}
        assert set(refusals) == {(True, "BAD_USER_INPUT")}
        assert len(accepted) == expected
        received = await asyncio.wait_for(asyncio.gather(*readers), timeout=900)
        stored = await stored_posts(local, stream_id)
        assert set(stored) == accepted
        assert len(stored) == expected
        for ids in received:
            assert ids == stored  # every accepted message, once, in the event store's order
        for viewer in viewers:
            await viewer.close()


async def test_a_message_reaches_subscribers_on_both_replicas_in_one_order(
    settings, endpoints, projector
):
    await run_room(settings, endpoints, subscribers=6, senders=4, per_sender=10, bad_every=5)


@pytest.mark.slow
async def test_no_loss_200_subscribers_5000_messages_50_senders(settings, endpoints, projector):
    await run_room(settings, endpoints, subscribers=200, senders=50, per_sender=100, bad_every=25)
