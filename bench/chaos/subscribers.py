"""Chat subscribers: websockets (graphql-transport-ws) spread over both apis.

Each keeps the message ids it got, in order. When its connection is cut (an api killed or
restarted), it connects again (to the next api), subscribes, and only then reads the room's
history (``chatMessages``) to fill the gap after the last id it had: frames that arrive
while it reads are held and merged after, skipping ids the history already gave. A frame
whose id it already has from a live frame is a duplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any

import httpx
import websockets

from bench.chaos.client import Refused, gql

SUBSCRIBE = """subscription($s: ID!) { chat(streamId: $s) {
  ... on ChatMessagePosted { message { id } } } }"""
HISTORY = "query($s: ID!) { chatMessages(streamId: $s, last: 500) { id } }"
HISTORY_SECONDS = 60.0  # how long a subscriber keeps trying to read the history


@dataclass
class Subscriber:
    number: int
    urls: list[str]
    stream_id: str
    received: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    duplicates: int = 0
    cutoffs: int = 0
    unrecoverable: int = 0  # gaps longer than the history keeps
    connected: bool = False
    sessions: int = 0
    errors: list[str] = field(default_factory=list)  # subscriptions the api ended with an error
    duplicate_log: list[str] = field(default_factory=list)  # when, which, in which session
    unconfirmed: set[str] = field(default_factory=set)  # from history; a live frame may follow
    reconcile: bool = False  # read the history again at the first live frame of this session
    history_failures: int = 0  # history reads that never got an answer: a gap may stay open
    log: list[str] = field(default_factory=list)  # sessions and history reads, with the time

    def note(self, text: str) -> None:
        last = self.received[-1] if self.received else "-"
        self.log.append(
            f"{time.strftime('%H:%M:%S')} s{self.sessions} had {len(self.received)} (last {last}):"
            f" {text}"
        )

    def take(self, message_id: str, live: bool) -> None:
        if message_id in self.seen:
            if live and message_id in self.unconfirmed:  # the history gave it first
                self.unconfirmed.discard(message_id)
                return
            if live:
                self.duplicates += 1
                when = time.strftime("%H:%M:%S")
                self.duplicate_log.append(
                    f"{when} subscriber {self.number} session {self.sessions}: {message_id}"
                    f" (had it at {self.received.index(message_id)} of {len(self.received)})"
                )
            return
        self.seen.add(message_id)
        self.received.append(message_id)

    def fill_gap(self, history: list[str]) -> set[str]:
        """Append what the history holds after the last id this subscriber has; those ids."""
        if not self.received:
            return set()
        last = self.received[-1]
        if last not in history:
            self.unrecoverable += 1
            start = 0
        else:
            start = history.index(last) + 1
        added = {i for i in history[start:] if i not in self.seen}
        self.note(f"history of {len(history)}, {len(added)} new after position {start}")
        for message_id in history[start:]:
            self.take(message_id, live=False)
        self.unconfirmed |= added
        return added

    async def recover(self, http: httpx.AsyncClient) -> set[str]:
        """Read the history until an api answers (as a person's client would: a minute)."""
        deadline = time.monotonic() + HISTORY_SECONDS
        attempt = 0
        while time.monotonic() < deadline:
            attempt += 1
            try:
                data = await asyncio.wait_for(
                    gql(http, self.urls[attempt % len(self.urls)], HISTORY, {"s": self.stream_id}),
                    max(0.1, deadline - time.monotonic()),
                )
            except (Refused, TimeoutError) as refusal:
                if attempt % 20 == 1:
                    self.note(f"history refused: {str(refusal)[:160]}")
                await asyncio.sleep(0.5)
                continue
            return self.fill_gap([m["id"] for m in data["chatMessages"]])
        self.history_failures += 1
        self.note("history never answered")
        return set()

    async def session(self, url: str, http: httpx.AsyncClient, stop: asyncio.Event) -> None:
        self.sessions += 1
        self.note(f"connecting to {url}")
        ws_url = url.replace("http://", "ws://") + "/graphql"
        async with websockets.connect(
            ws_url, subprotocols=[websockets.Subprotocol("graphql-transport-ws")], open_timeout=20
        ) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {}}))
            await ws.recv()
            payload = {"query": SUBSCRIBE, "variables": {"s": self.stream_id}}
            await ws.send(json.dumps({"id": "1", "type": "subscribe", "payload": payload}))
            held: list[str] = []
            reader = asyncio.ensure_future(self.read(ws, held, http))
            await asyncio.sleep(1.0)  # the api has most often subscribed to Redis by then
            await self.recover(http)  # after subscribing
            # Nothing says when the api really listens: what was published before that and
            # after the history read comes neither way, so the history is read again at the
            # first live frame (only when reconnecting: a first session starts there).
            self.reconcile = bool(self.received) and self.sessions > 1
            self.note(f"{len(held)} live frames held while reading the history")
            for message_id in held:  # frames the history gave already are no duplicates
                self.take(message_id, live=True)
            held.clear()
            self.connected = True
            stopper = asyncio.ensure_future(stop.wait())
            await asyncio.wait({reader, stopper}, return_when=asyncio.FIRST_COMPLETED)
            stopper.cancel()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, websockets.ConnectionClosed):
                await reader

    async def read(self, ws: Any, held: list[str], http: httpx.AsyncClient) -> None:
        async for frame in ws:
            message = json.loads(frame)
            if message.get("type") == "ping":
                await ws.send(json.dumps({"type": "pong"}))
            elif message.get("type") == "next":
                payload = message.get("payload") or {}
                if payload.get("errors"):  # the subscription ended with an error: subscribe again
                    self.errors.append(json.dumps(payload["errors"])[:300])
                    self.note("subscription error")
                    return
                chat = (payload.get("data") or {}).get("chat")
                if chat and "message" in chat:
                    if self.connected:
                        if self.reconcile:
                            self.reconcile = False
                            self.note(f"first live frame {chat['message']['id']}: reconcile")
                            await self.recover(http)
                        self.take(chat["message"]["id"], live=True)
                    else:
                        held.append(chat["message"]["id"])
            elif message.get("type") in ("error", "complete"):
                self.errors.append(frame[:300])
                self.note(f"subscription {message.get('type')}")
                return

    async def run(self, stop: asyncio.Event, http: httpx.AsyncClient, attempts: int = 500) -> None:
        for attempt in range(attempts):
            if stop.is_set():
                return
            url = self.urls[(self.number + attempt) % len(self.urls)]
            try:
                await self.session(url, http, stop)
            except (OSError, websockets.WebSocketException, TimeoutError) as error:
                self.note(f"session ended: {error!r}"[:200])
            if stop.is_set():
                return
            self.note("cut off")
            self.connected = False
            self.cutoffs += 1
            await asyncio.sleep(0.5)


async def run_subscribers(subscribers: list[Subscriber], stop: asyncio.Event) -> None:
    async with httpx.AsyncClient(timeout=15) as http:
        await asyncio.gather(*(s.run(stop, http) for s in subscribers))
        for subscriber in subscribers:  # the tail: what came after the last frame
            await subscriber.recover(http)
