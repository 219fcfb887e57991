"""graphql-transport-ws limits: a socket that never sends connection_init is closed after 10 s;
the operation limit per connection answers an error with a code."""

from __future__ import annotations

import time

import pytest
import websockets

from tests.integration.live_helpers import Subscriber, owner_and_stream

INIT_TIMEOUT = 10.0  # seconds, from the issue


async def test_a_socket_without_connection_init_is_closed_after_10_seconds(api):
    url = api.url.replace("http", "ws", 1) + "/graphql"
    started = time.monotonic()
    async with websockets.connect(url, subprotocols=["graphql-transport-ws"]) as ws:
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await ws.recv()
    assert closed.value.rcvd is not None
    assert closed.value.rcvd.code == 4408
    elapsed = time.monotonic() - started
    assert INIT_TIMEOUT - 0.5 < elapsed < INIT_TIMEOUT + 5, elapsed


async def test_the_operation_limit_answers_an_error_with_a_code(api, http):
    _, created = await owner_and_stream(http)
    query = "subscription($s: ID!) { chat(streamId: $s) { __typename } }"
    subscriber = await Subscriber.connect(api.url)
    try:
        for _ in range(20):
            await subscriber.subscribe(query, {"s": created["stream"]["id"]})
        op_id = await subscriber.subscribe(query, {"s": created["stream"]["id"]})
        message = await subscriber.receive()
        assert message["id"] == op_id, message
        assert message["type"] == "error"
        (error,) = message["payload"]
        assert error["extensions"] == {"code": "RATE_LIMITED"}
        assert "20 operations" in error["message"]
    finally:
        await subscriber.close()
