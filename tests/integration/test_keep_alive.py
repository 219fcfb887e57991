"""An api process keeps an idle connection open longer than its clients and proxies keep theirs,
so a client that reuses a connection is never answered by a close."""

from __future__ import annotations

import asyncio

from tests.integration.live_helpers import api_subprocess, free_port

# Longer than uvicorn's default keep-alive (5 s), and than httpx's (5 s): a client reusing the
# connection after this long raced the server's close before kino.api.KEEP_ALIVE_SECONDS.
IDLE_SECONDS = 6
REQUEST = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    writer.write(REQUEST)
    await writer.drain()
    head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), timeout=30)
    length = next(
        int(line.split(b":")[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return head.split(b"\r\n")[0]


async def test_an_idle_connection_is_still_answered_after_six_seconds(settings, endpoints):
    port = free_port()
    async with api_subprocess(settings, endpoints, port):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        try:
            assert await answer(reader, writer) == b"HTTP/1.1 200 OK"
            await asyncio.sleep(IDLE_SECONDS)
            assert await answer(reader, writer) == b"HTTP/1.1 200 OK"
        finally:
            writer.close()
