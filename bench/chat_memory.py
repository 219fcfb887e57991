"""Where a chat subscriber's memory goes in the api: tracemalloc around SUBSCRIBERS connections.

Runs the api in this process (``kino projector`` beside it), warms it up with a few
subscribers and messages, snapshots the heap, connects SUBSCRIBERS more subscribers to one
room (in a client process, as bench/chat.py does), waits until each received a message, and
prints the allocations that grew, per subscriber, by the line that made them.

    python -m bench.chat_memory [--subscribers 400] [--top 25]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import multiprocessing
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from bench.chat_clients import client_process
from bench.chat_fanout import CREATE, REGISTER, SEND
from bench.common import kino_env, scratch_database
from kino.api import create_app
from kino.bootstrap import build_container, resolve_endpoints
from kino.infrastructure.embedded import free_port
from kino.infrastructure.settings import Settings


async def gql(client: httpx.AsyncClient, query: str, variables: Any = None, token: str = "") -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    body = response.json()
    assert not body.get("errors"), body
    return body["data"]


async def subscribe(url: str, stream: str, count: int, send: Any) -> Any:
    """Start a client process with ``count`` subscribers; return once each got a message."""
    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=client_process, args=(url, "shared", stream, 0, count, child))
    process.start()
    loop = asyncio.get_running_loop()
    assert (await loop.run_in_executor(None, parent.recv))[0] == "connected"
    number = 0
    while not parent.poll():
        await send(number)
        number += 1
        await asyncio.sleep(0.3)
    assert parent.recv()[0] == "ready"
    return parent, process


async def run(args: argparse.Namespace, database_url: str, folder: Path) -> None:
    port = free_port()
    env = kino_env(database_url, folder, port)
    env["KINO_CHAT_RATE_LIMIT"] = "100000"
    settings = Settings.from_env(env)
    app = create_app(build_container(settings, resolve_endpoints(settings)))
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_config=None, ws_per_message_deflate=False
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    projector = subprocess.Popen([sys.executable, "-m", "kino", "projector"], env=env)
    try:
        while not server.started:
            await asyncio.sleep(0.1)
        url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=url, timeout=60) as client:
            token = (await gql(client, REGISTER))["register"]["accessToken"]
            stream = (await gql(client, CREATE, token=token))["createLiveStream"]["stream"]["id"]

            async def send(number: int) -> None:
                body = json.dumps({"t": time.time(), "p": "w", "n": number})
                await gql(client, SEND, {"s": stream, "b": body}, token=token)

            ws_url = url.replace("http", "ws", 1) + "/graphql"
            warm = await subscribe(ws_url, stream, 20, send)
            gc.collect()
            tracemalloc.start(12)
            before = tracemalloc.take_snapshot()
            measured = await subscribe(ws_url, stream, args.subscribers, send)
            gc.collect()
            after = tracemalloc.take_snapshot()
            report(before, after, args.subscribers, args.top)
            for pipe, process in (warm, measured):
                pipe.send("stop")
                pipe.recv()
                process.join()
    finally:
        projector.terminate()
        projector.wait()
        server.should_exit = True
        await serving


def report(before: Any, after: Any, subscribers: int, top: int) -> None:
    total = sum(stat.size_diff for stat in after.compare_to(before, "filename"))
    print(f"heap growth per subscriber: {total / subscribers / 1024:.1f} KiB (Python objects)")
    print("\nby file:")
    for stat in after.compare_to(before, "filename")[:top]:
        print(f"  {stat.size_diff / subscribers:8.0f} B  {stat.traceback[0].filename}")
    print("\nby line:")
    for stat in after.compare_to(before, "lineno")[:top]:
        frame = stat.traceback[0]
        print(f"  {stat.size_diff / subscribers:8.0f} B  {frame.filename}:{frame.lineno}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--subscribers", type=int, default=400)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    with scratch_database() as database_url, tempfile.TemporaryDirectory() as folder:
        asyncio.run(run(args, database_url, Path(folder)))


if __name__ == "__main__":
    main()
