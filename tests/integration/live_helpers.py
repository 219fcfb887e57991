"""Helpers for live/chat tests: a real uvicorn api in the test's loop, GraphQL over HTTP and
graphql-transport-ws clients."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import redis.asyncio as aioredis
import uvicorn
import websockets

from kino.api import create_app
from kino.bootstrap import Container, Endpoints, Overrides, build_container
from kino.graphql.fanout import SharedSubscriptions
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.pubsub import channel_name
from kino.infrastructure.settings import Settings
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql

CREATE = """mutation($title: String!) { createLiveStream(title: $title) {
  ingestUrl streamKey stream { id title status owner { id handle } chatSlowModeSeconds } } }"""
SEND = """mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) {
  id streamId body createdAt author { id handle } } }"""
HISTORY = (
    "query($s: ID!, $n: Int) { chatMessages(streamId: $s, last: $n) { id body author { handle } } }"
)
CHAT = """subscription($s: ID!) { chat(streamId: $s) {
  __typename
  ... on ChatMessagePosted { message { id body author { handle } } }
  ... on ChatMessageDeleted { messageId } } }"""


@dataclass
class Api:
    url: str
    container: Container
    fanout: SharedSubscriptions


@contextlib.asynccontextmanager
async def api_server(settings: Settings, endpoints: Endpoints) -> AsyncIterator[Api]:
    """A real uvicorn server on a free port, in this event loop."""
    container = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    app = create_app(container)
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=0,
        log_config=None,
        access_log=False,
        lifespan="on",
        ws_max_size=64 * 1024,
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Api(f"http://127.0.0.1:{port}", container, app.state.fanout)
    finally:
        server.should_exit = True
        await task


class Subscriber:
    """One graphql-transport-ws connection."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self._ids = itertools.count(1)

    @classmethod
    async def connect(cls, base_url: str, token: str | None = None) -> Subscriber:
        ws = await websockets.connect(
            base_url.replace("http", "ws", 1) + "/graphql",
            subprotocols=["graphql-transport-ws"],  # type: ignore[list-item]
            max_queue=None,
        )
        payload = {"Authorization": f"Bearer {token}"} if token else {}
        await ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        ack = json.loads(await ws.recv())
        assert ack["type"] == "connection_ack", ack
        return cls(ws)

    async def subscribe(self, query: str, variables: dict[str, Any]) -> str:
        op_id = str(next(self._ids))
        message = {
            "id": op_id,
            "type": "subscribe",
            "payload": {"query": query, "variables": variables},
        }
        await self.ws.send(json.dumps(message))
        return op_id

    async def receive(self) -> dict[str, Any]:
        while True:
            message = json.loads(await self.ws.recv())
            if message["type"] == "ping":
                await self.ws.send(json.dumps({"type": "pong"}))
                continue
            return message  # type: ignore[no-any-return]

    async def close(self) -> None:
        await self.ws.close()


async def owner_and_stream(http: httpx.AsyncClient) -> tuple[dict[str, Any], dict[str, Any]]:
    owner = await register(http)
    created = await gql(http, CREATE, {"title": "Launch"}, token=owner["accessToken"])
    return owner, created["createLiveStream"]


async def wait_for_chat(subscriber: Subscriber, body: str) -> dict[str, Any]:
    """Receive until the message with ``body`` arrives (what came before is discarded)."""
    while True:
        message = await subscriber.receive()
        assert message["type"] == "next", message
        event = message["payload"]["data"]["chat"]
        if event["__typename"] == "ChatMessagePosted" and event["message"]["body"] == body:
            return event


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def kino_environment(settings: Settings, endpoints: Endpoints, **env: str) -> dict[str, str]:
    """The environment of a ``python -m kino ...`` process configured like ``settings``."""
    return {
        **os.environ,
        "KINO_DATABASE_URL": endpoints.database_url,
        "KINO_REDIS_URL": endpoints.redis_url,
        "KINO_NATS_URL": endpoints.nats_url,
        "KINO_REDIS_NAMESPACE": settings.redis_namespace,
        "KINO_SECRET_KEY": settings.secret_key,
        "KINO_DATA_DIR": str(settings.data_dir),
        "KINO_LOG_LEVEL": "WARNING",
        **env,
    }


@contextlib.asynccontextmanager
async def api_subprocess(
    settings: Settings, endpoints: Endpoints, port: int, **env: str
) -> AsyncIterator[asyncio.subprocess.Process]:
    """``python -m kino api`` on ``port``; yields the process once /healthz answers."""
    environment = kino_environment(settings, endpoints, KINO_HTTP_PORT=str(port), **env)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kino", "api", env=environment
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            while True:
                assert process.returncode is None, "the api process exited"
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/healthz")).status_code == 200:
                        break
                await asyncio.sleep(0.05)
        yield process
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def api_process(settings: Settings, endpoints: Endpoints, **env: str) -> AsyncIterator[str]:
    """``python -m kino api`` in its own process; yields its base URL once /healthz answers."""
    port = free_port()
    async with api_subprocess(settings, endpoints, port, **env):
        yield f"http://127.0.0.1:{port}"


async def wait_subscribed(redis_url: str, channel: str, processes: int = 1) -> None:
    """Wait until ``processes`` api processes have subscribed to ``channel`` in Redis."""
    client = aioredis.Redis.from_url(redis_url)
    try:
        while True:
            counts = await client.pubsub_numsub(channel)
            if counts and int(counts[0][1]) >= processes:
                return
            await asyncio.sleep(0.01)
    finally:
        await client.aclose()


def chat_channel(settings: Settings, stream_id: str) -> str:
    return channel_name(settings.redis_namespace, "chat", stream_id)


def live_channel(settings: Settings, stream_id: str) -> str:
    return channel_name(settings.redis_namespace, "live", stream_id)
