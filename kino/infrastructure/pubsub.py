"""Redis pub/sub for the api: one connection per process, fanned out in-process.

``PubSubHub.listen(channel)`` yields the messages published on ``channel`` from
the moment it is subscribed. Every local listener of a channel shares one Redis
subscription; the single reader task puts each message into every listener's
bounded queue without waiting, so a listener that stops reading fills its own
queue and is dropped (``ListenerDropped``) while the others carry on at full speed.
Redis delivers one connection's messages in publish order, so every listener sees
a channel's messages in the same order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncGenerator, Awaitable, Callable
from dataclasses import dataclass
from typing import Any, cast

import structlog
from redis.asyncio import Redis
from redis.asyncio.client import PubSub

from kino.support.drop_queue import DropQueue

log = structlog.get_logger(__name__)

_DROPPED = object()


def channel_name(namespace: str, *parts: object) -> str:
    """Every pub/sub channel of one deployment starts with its Redis namespace."""
    return ":".join([namespace, "pubsub", *(str(part) for part in parts)])


def progress_channel(namespace: str, video_id: object) -> str:
    """A video's processing progress (JSON ``{stage, progress}``, from the transcoder)."""
    return f"{namespace}:video:{video_id}:progress"


@dataclass(frozen=True)
class Channels:
    """The channels of one deployment (its Redis namespace)."""

    namespace: str

    def live(self, stream_id: object) -> str:
        """A live stream's changes, announced by its projection."""
        return channel_name(self.namespace, "live", stream_id)

    def chat(self, stream_id: object) -> str:
        """A chat room's messages and deletions, announced by its projection."""
        return channel_name(self.namespace, "chat", stream_id)

    def video_progress(self, video_id: object) -> str:
        return progress_channel(self.namespace, video_id)


class ListenerDroppedError(Exception):
    """The listener fell too far behind; it should reconnect."""


class _Listener(DropQueue[Any]):
    """One listener's messages; once dropped, the last of them is the ``_DROPPED`` marker."""

    __slots__ = ()

    def offer(self, item: Any) -> bool:
        if super().offer(item):
            return True
        self.queue.get_nowait()  # make room for the marker; the listener is going anyway
        self.queue.put_nowait(_DROPPED)
        return False


class PubSubHub:
    def __init__(self, client: Redis, *, queue_size: int = 1000) -> None:
        self._redis = client
        self.queue_size = queue_size
        self._pubsub: PubSub | None = None
        self._reader: asyncio.Task[None] | None = None
        self._listeners: dict[str, set[_Listener]] = {}
        # channel → application → the highest position this process delivered on it
        self._delivered: dict[str, dict[str, int]] = {}
        self._lock = asyncio.Lock()
        self.dropped = 0
        self.delivered = 0

    def listener_count(self, channel: str | None = None) -> int:
        if channel is not None:
            return len(self._listeners.get(channel, ()))
        return sum(len(listeners) for listeners in self._listeners.values())

    def delivered_positions(self, channel: str) -> dict[str, int]:
        """The highest position of each application this process has delivered on
        ``channel`` (while anyone listened). A new subscriber's baseline: after Redis lost a
        read model, its replay publishes again what was news minutes ago, and the read
        model's own position is behind until the replay is done."""
        return dict(self._delivered.get(channel, {}))

    async def listen(self, channel: str) -> AsyncGenerator[bytes, None]:
        listener = _Listener(self.queue_size)
        await self._add(channel, listener)
        try:
            while True:
                message = await listener.queue.get()
                if message is _DROPPED:
                    raise ListenerDroppedError(channel)
                yield message
        finally:
            await asyncio.shield(self._remove(channel, listener))

    async def close(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        if self._pubsub is not None:
            await _close(self._pubsub)
            self._pubsub = None

    async def _add(self, channel: str, listener: _Listener) -> None:
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            listeners = self._listeners.setdefault(channel, set())
            listeners.add(listener)
            if len(listeners) == 1:
                await self._pubsub.subscribe(channel)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.create_task(self._read(self._pubsub))

    async def _remove(self, channel: str, listener: _Listener) -> None:
        async with self._lock:
            listeners = self._listeners.get(channel)
            if listeners is None:
                return
            listeners.discard(listener)
            if not listeners:
                del self._listeners[channel]
                self._delivered.pop(channel, None)
                if self._pubsub is not None:
                    await self._pubsub.unsubscribe(channel)

    async def _read(self, pubsub: PubSub) -> None:
        while True:
            try:
                message = await pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # noqa: BLE001 - redis-py reconnects and resubscribes
                log.warning("pub/sub read failed; retrying", error=repr(error))
                await asyncio.sleep(0.5)
                continue
            if message is None or message.get("type") != "message":
                continue
            channel = message["channel"]
            name = channel.decode() if isinstance(channel, bytes) else str(channel)
            self._note_position(name, message["data"])
            for listener in tuple(self._listeners.get(name, ())):
                if listener.dropped:
                    continue
                if listener.offer(message["data"]):
                    self.delivered += 1
                else:
                    self.dropped += 1
                    log.info("dropped a slow pub/sub listener", channel=name)

    def _note_position(self, channel: str, data: Any) -> None:
        try:
            body = json.loads(data)
            app, position = str(body["app"]), int(body["position"])
        except (ValueError, KeyError, TypeError):
            return
        delivered = self._delivered.setdefault(channel, {})
        delivered[app] = max(position, delivered.get(app, 0))


async def _close(pubsub: PubSub) -> None:
    # redis-py leaves ``PubSub.aclose`` unannotated (mypy strict refuses to call it); its
    # code returns None, as the typed deprecated alias ``reset`` says.
    aclose = cast(Callable[[], Awaitable[None]], pubsub.aclose)
    await aclose()
