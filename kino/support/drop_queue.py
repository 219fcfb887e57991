"""A bounded queue whose producer never waits: an item that finds it full marks it dropped
instead. One producer feeds many consumers this way (the api's pub/sub listeners, the shared
subscription runs' subscribers), and one consumer that stops reading never slows the others:
it is let go, and told so by its owner."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

Item = TypeVar("Item")


class DropQueue(Generic[Item]):
    __slots__ = ("dropped", "queue")

    def __init__(self, size: int) -> None:
        self.queue: asyncio.Queue[Item] = asyncio.Queue(size)
        self.dropped = False

    def offer(self, item: Item) -> bool:
        """Queue ``item`` without waiting; False, and dropped from then on, when it is full."""
        try:
            self.queue.put_nowait(item)
        except asyncio.QueueFull:
            self.dropped = True
            return False
        return True
