"""Read-your-writes: every reader tells how far its read model has got (``Positioned``), so
whoever saved an event can wait until the read model shows it before answering."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar
from uuid import UUID

from kino.domain.errors import KinoError

READ_YOUR_WRITES_TIMEOUT = 10.0
Record_co = TypeVar("Record_co", covariant=True)
Record = TypeVar("Record")


class Positioned(Protocol):
    async def position(self, application_name: str) -> int:
        """The last notification of the application the read model has processed."""


class ById(Positioned, Protocol[Record_co]):
    """A reader that finds one record by its id."""

    async def by_id(self, record_id: UUID, /) -> Record_co | None: ...


async def wait_for_position(
    position: Callable[[], Awaitable[int]], target: int, timeout: float = READ_YOUR_WRITES_TIMEOUT
) -> None:
    """Wait until a read model has processed notification ``target`` (read-your-writes)."""
    deadline = time.monotonic() + timeout
    delay = 0.002
    while await position() < target:
        if time.monotonic() > deadline:
            raise KinoError("The change was saved but is taking long to appear; reload shortly.")
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.05)


async def caught_up(
    reader: Positioned,
    application_name: str,
    position: int | None,
    timeout: float = READ_YOUR_WRITES_TIMEOUT,
) -> None:
    """Wait until ``reader`` shows the write saved at ``position`` (``None``: nothing saved)."""
    if position:
        await wait_for_position(lambda: reader.position(application_name), position, timeout)


async def read_back(
    reader: ById[Record], application_name: str, record_id: UUID, position: int | None, what: str
) -> Record:
    """The record as ``reader`` shows it once it has caught up with ``position``, for the answer
    to the write saved there (the ``what`` could not be read back: an error)."""
    await caught_up(reader, application_name, position)
    record = await reader.by_id(record_id)
    if record is None:
        raise KinoError(f"The {what} could not be read back; please try again.")
    return record
