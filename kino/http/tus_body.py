"""The body of a tus append, streamed: at most ``BATCH`` bytes are held before they are handed
to the store (in a thread), never more than the declared length is accepted, and a checksum,
when given, is checked before anything is kept (460 otherwise)."""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from litestar import Request
from litestar.exceptions import InternalServerException

from kino.commands.base import run_sync
from kino.commands.resumable import TusAppend

CHECKSUMS = ("sha1", "sha256", "md5")
BATCH = 1024 * 1024
CHECKSUM_MISMATCH = 460


class _Batches:
    """Chunks gathered into batches, written and hashed in a worker thread."""

    def __init__(self, append: TusAppend, algorithm: str | None) -> None:
        self.append = append
        self.hasher = hashlib.new(algorithm) if algorithm else None
        self.pending: list[bytes] = []
        self.size = 0

    def add(self, chunk: bytes) -> bool:
        self.pending.append(chunk)
        self.size += len(chunk)
        return self.size >= BATCH

    def write(self) -> None:
        data = b"".join(self.pending)
        self.pending, self.size = [], 0
        if self.hasher is not None:
            self.hasher.update(data)
        self.append.write(data)


async def receive_append(
    request: Request[Any, Any, Any], append: TusAppend, checksum: tuple[str, bytes] | None
) -> int | tuple[int, str]:
    """The new offset, or the refusal (status, message); nothing of a refused body is kept."""
    room = append.upload.length - append.upload.offset
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > room:
        await asyncio.to_thread(append.abort)
        return 413, f"The upload takes {room} more bytes."
    batches = _Batches(append, checksum[0] if checksum else None)
    received = 0
    try:
        async for chunk in request.stream():
            received += len(chunk)
            if received > room:
                await asyncio.to_thread(append.abort)
                return 413, f"The upload takes {room} more bytes."
            if chunk and batches.add(chunk):
                await asyncio.to_thread(batches.write)
    except InternalServerException:  # the client went away: keep what arrived (tus §core)
        if checksum is not None:
            await asyncio.to_thread(append.abort)
            raise
        await asyncio.to_thread(batches.write)
        await run_sync(append.commit)
        raise
    except BaseException:
        await asyncio.shield(asyncio.to_thread(append.abort))
        raise
    await asyncio.to_thread(batches.write)
    if checksum is not None and batches.hasher and batches.hasher.digest() != checksum[1]:
        await asyncio.to_thread(append.abort)
        return CHECKSUM_MISMATCH, "The chunk does not match its Upload-Checksum."
    return await run_sync(append.commit)
