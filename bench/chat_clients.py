"""Websocket subscriber processes and the bare baseline server for bench/chat.py.

Every message carries its send time and phase ("w" warm-up, "m" measured) in a small
JSON body; a client records send→receive latency for measured messages only.
"""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection
from typing import Any

import websockets

SUBSCRIBE = """subscription($s: ID!) { ALIAS: chat(streamId: $s) {
  ... on ChatMessagePosted { message { id body createdAt author { handle displayName } } } } }"""


def body_of(frame: str) -> dict[str, Any]:
    message = json.loads(frame)
    if message.get("type") != "next":
        return {}
    chat = next(iter(message["payload"]["data"].values()))
    return json.loads(chat["message"]["body"]) if chat else {}


async def _connect(url: str, mode: str, stream_id: str, number: int) -> Any:
    """mode "shared": one operation for all; "unshared": an alias per connection, so the
    operations differ and each subscriber's selection is executed on its own."""
    ws = await websockets.connect(
        url, subprotocols=["graphql-transport-ws"], max_queue=None, open_timeout=120
    )
    if mode != "baseline":
        await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
        await ws.recv()
        alias = "chat" if mode == "shared" else f"c{number}"
        payload = {"query": SUBSCRIBE.replace("ALIAS", alias), "variables": {"s": stream_id}}
        await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
    return ws


async def _clients(
    url: str, mode: str, stream_id: str, first: int, count: int, pipe: Connection
) -> None:
    latencies: list[float] = []
    ready = 0
    all_ready = asyncio.Event()
    closed = 0
    stopping = False

    async def read(ws: Any) -> None:
        nonlocal ready, closed, stopping
        first = True
        try:
            async for frame in ws:
                received = time.time()
                body = body_of(frame)
                if first and body:
                    first = False
                    ready += 1
                    if ready == count:
                        all_ready.set()
                if body.get("p") == "m":
                    latencies.append(received - body["t"])
        except websockets.ConnectionClosed:
            pass
        if not stopping:
            closed += 1  # the server dropped this subscriber

    sockets = []
    for number in range(first, first + count):
        sockets.append(await _connect(url, mode, stream_id, number))
    tasks = [asyncio.create_task(read(ws)) for ws in sockets]
    pipe.send(("connected", count))
    await all_ready.wait()
    pipe.send(("ready", count))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, pipe.recv)  # "stop"
    stopping = True
    for ws in sockets:
        await ws.close()
    await asyncio.gather(*tasks, return_exceptions=True)
    pipe.send(("result", latencies, closed))


def client_process(
    url: str, mode: str, stream_id: str, first: int, count: int, pipe: Connection
) -> None:
    asyncio.run(_clients(url, mode, stream_id, first, count, pipe))


def frame_for(phase: str, number: int, sent_at: float) -> str:
    """What the bare server broadcasts: a graphql-transport-ws frame shaped like Kino's."""
    body = json.dumps({"t": sent_at, "p": phase, "n": number})
    message = {
        "id": "1",
        "type": "next",
        "payload": {
            "data": {
                "chat": {
                    "message": {
                        "id": "00000000-0000-4000-8000-000000000000",
                        "body": body,
                        "createdAt": "2026-11-26T12:00:00+00:00",
                        "author": {"handle": "bench", "displayName": "bench"},
                    }
                }
            }
        },
    }
    return json.dumps(message)


async def _baseline(port: int, pipe: Connection) -> None:
    connections: set[Any] = set()

    async def handler(ws: Any) -> None:
        connections.add(ws)
        try:
            await ws.wait_closed()
        finally:
            connections.discard(ws)

    async with websockets.serve(
        handler,
        "127.0.0.1",
        port,
        subprotocols=["graphql-transport-ws"],
        max_queue=None,
        compression=None,  # as the Kino api: no per-message deflate
    ):
        pipe.send(("listening", port))
        loop = asyncio.get_running_loop()
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command[0] == "stop":
                return
            _, phase, number, sent_at = command
            websockets.broadcast(connections, frame_for(phase, number, sent_at))  # serialised once


def baseline_process(port: int, pipe: Connection) -> None:
    asyncio.run(_baseline(port, pipe))
