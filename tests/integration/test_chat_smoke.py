from __future__ import annotations

import httpx

from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.live_helpers import (
    CHAT,
    HISTORY,
    SEND,
    Subscriber,
    api_server,
    chat_channel,
    owner_and_stream,
    wait_for_chat,
    wait_subscribed,
)


async def test_smoke(settings, endpoints, projector):
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        _owner, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        assert created["streamKey"].startswith("live_")
        viewer = await Subscriber.connect(api.url)
        await viewer.subscribe(CHAT, {"s": stream_id})
        await wait_subscribed(endpoints.redis_url, chat_channel(settings, stream_id))
        fan = await register(http)
        sent = await gql(http, SEND, {"s": stream_id, "b": "hello"}, token=fan["accessToken"])
        assert sent["sendChatMessage"]["body"] == "hello"
        event = await wait_for_chat(viewer, "hello")
        assert event["message"]["author"]["handle"] == fan["user"]["handle"]
        history = await gql(http, HISTORY, {"s": stream_id, "n": 10})
        assert [m["body"] for m in history["chatMessages"]] == ["hello"]
        await viewer.close()
