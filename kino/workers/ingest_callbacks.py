"""The HTTP server nginx-rtmp calls back (on 127.0.0.1, a port of its own): a small
Litestar app under uvicorn, in the ingest's event loop.

Answers: ``on_publish`` 302 with ``Location: <new name>`` (accepted, renamed) or 403
(refused); ``on_update`` 200 (go on) or 403 (drop the publisher); ``on_publish_done`` 200.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Generator
from typing import Any, Protocol

import uvicorn
from litestar import Litestar, Request, Response, post

from kino.infrastructure import metrics


class Callbacks(Protocol):
    async def on_publish(self, key: str, client: str, addr: str) -> str | None: ...

    async def on_update(self, client: str) -> bool: ...

    async def on_publish_done(self, client: str) -> None: ...


def callback_app(ingest: Callbacks) -> Litestar:
    async def form(request: Request[Any, Any, Any]) -> dict[str, str]:
        data = await request.form()
        return {key: str(value) for key, value in data.items()}

    @post("/on_publish", status_code=200)
    async def on_publish(request: Request[Any, Any, Any]) -> Response[bytes]:
        fields = await form(request)
        if fields.get("call", "publish") != "publish":
            return Response(b"", status_code=200)
        name = await ingest.on_publish(
            fields.get("name", ""), fields.get("clientid", ""), fields.get("addr", "")
        )
        metrics.LIVE_PUBLISHES.labels("refused" if name is None else "accepted").inc()
        if name is None:
            return Response(b"refused", status_code=403)
        return Response(b"", status_code=302, headers={"Location": name})

    @post("/on_update", status_code=200)
    async def on_update(request: Request[Any, Any, Any]) -> Response[bytes]:
        fields = await form(request)
        if fields.get("call") != "update_publish":
            return Response(b"", status_code=200)
        go_on = await ingest.on_update(fields.get("clientid", ""))
        return Response(b"", status_code=200 if go_on else 403)

    @post("/on_publish_done", status_code=200)
    async def on_publish_done(request: Request[Any, Any, Any]) -> Response[bytes]:
        fields = await form(request)
        asyncio.create_task(ingest.on_publish_done(fields.get("clientid", "")))  # noqa: RUF006
        return Response(b"", status_code=200)

    # logging_config=None: Litestar's default would replace the process's log handler with
    # its own plain-text one on stdout (as kino/api.py, the ingest keeps its structured logs).
    return Litestar(
        [on_publish, on_update, on_publish_done], openapi_config=None, logging_config=None
    )


class _QuietServer(uvicorn.Server):
    """Leaves the process's signals to the worker (uvicorn would take SIGTERM and SIGINT)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        yield


class CallbackServer:
    def __init__(self, ingest: Callbacks) -> None:
        config = uvicorn.Config(
            callback_app(ingest),
            host="127.0.0.1",
            port=0,
            log_config=None,
            access_log=False,
            lifespan="off",
            log_level="warning",
        )
        self.server = _QuietServer(config)
        self.task: asyncio.Task[None] | None = None
        self.url = ""

    async def start(self) -> None:
        self.task = asyncio.create_task(self.server.serve())
        while not self.server.started:
            if self.task.done():
                self.task.result()
            await asyncio.sleep(0.01)
        port = self.server.servers[0].sockets[0].getsockname()[1]
        self.url = f"http://127.0.0.1:{port}"

    async def stop(self) -> None:
        self.server.should_exit = True
        if self.task is not None:
            await self.task
