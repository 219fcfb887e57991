"""Readiness probes: does each dependency answer, within a short timeout?"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

PROBE_TIMEOUT = 2.0


async def nats_answers(nats_url: str) -> None:
    """Connect and read the server's INFO line: a NATS server greets every client."""
    parts = urlsplit(nats_url)
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection(parts.hostname or "127.0.0.1", parts.port or 4222), PROBE_TIMEOUT
    )
    try:
        line = await asyncio.wait_for(reader.readline(), PROBE_TIMEOUT)
        if not line.startswith(b"INFO"):
            raise ConnectionError("not a NATS server")
    finally:
        writer.close()
