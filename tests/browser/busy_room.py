"""A busy room: messages written through the chat's write side in batches (as the group
commit does), fast enough to test the page, not the api's rate limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

from playwright.sync_api import Page

from kino.commands.chat import ChatRooms, PostRequest
from kino.infrastructure.eventstore import eventstore_env
from tests.browser.site import Site

LONG_TASKS = """
window.kinoLongTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.kinoLongTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });
"""


@contextmanager
def chatter(
    site: Site, stream_id: str, authors: list[str], per_second: int, seconds: int
) -> Iterator[list[int]]:
    """Post ``per_second`` messages every second for ``seconds`` in the background; yields a
    list that ends up holding how many were posted."""
    rooms = ChatRooms(env=eventstore_env(site.endpoints.database_url))
    posted: list[int] = []
    stop = threading.Event()

    def run() -> None:
        count, started = 0, time.monotonic()
        for second in range(seconds):
            if stop.is_set():
                break
            batch = [
                PostRequest(
                    UUID(stream_id),
                    UUID(authors[(count + n) % len(authors)]),
                    f"message {count + n}",
                )
                for n in range(per_second)
            ]
            rooms.post_messages(batch)
            count += per_second
            time.sleep(max(0.0, started + second + 1 - time.monotonic()))
        posted.append(count)

    thread = threading.Thread(target=run, name="chatter", daemon=True)
    thread.start()
    try:
        yield posted
    finally:
        thread.join(seconds + 60)
        stop.set()
        rooms.close()


def follow_room(site: Site, stream_id: str, author: str, page: Page) -> int:
    """Post a warm-up line every half second until one reaches ``page`` live (then the server
    follows the room for it); what the page had received by then."""
    rooms = ChatRooms(env=eventstore_env(site.endpoints.database_url))
    try:
        for attempt in range(120):
            rooms.post_messages([PostRequest(UUID(stream_id), UUID(author), f"warm-up {attempt}")])
            page.wait_for_timeout(500)
            if page.evaluate("window.kinoChat.following"):
                return int(page.evaluate("window.kinoChat.received"))
    finally:
        rooms.close()
    raise AssertionError("the page never received a live chat message")
