"""The live page under a busy chat (issue 15): 50 messages a second for 20 s against the same
page left idle for as long, in one run.

Runs ``kino api`` and ``projector`` on the machine's PostgreSQL, Redis and NATS (a throwaway
database and namespace), creates a stream, opens ``/live/{id}`` in Debian's Chromium and
records the page's long tasks (``PerformanceObserver``) and when each message's line was
added (a ``MutationObserver``). Messages are written through the chat's write side in
batches, as the api's group commit does, so the page is measured, not the api's rate limits.

    python -m bench.chat_page [--per-second 50] [--seconds 20]

Targets: no task over 200 ms while the room is busy; each message shown within 1 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from uuid import UUID

import httpx
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import kino_process_group, percentile, scratch_database
from kino.commands.chat import ChatRooms, PostRequest
from kino.infrastructure.eventstore import eventstore_env

CHROMIUM = "/usr/bin/chromium"
LONG_TASK_MS = 50  # what the browser reports as a long task; blocking time is beyond it
REGISTER = """mutation($e: String!, $h: String!) { register(email: $e, handle: $h,
  password: "correct horse battery staple", displayName: $h) { accessToken user { id } } }"""
CREATE_STREAM = 'mutation { createLiveStream(title: "Busy room") { stream { id } } }'
# Long tasks, and when each chat line was added (its body is unique in this bench).
OBSERVERS = """
window.kinoLongTasks = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) window.kinoLongTasks.push(entry.duration);
}).observe({ type: 'longtask', buffered: true });
window.kinoShown = {};
new MutationObserver((records) => {
  const now = Date.now();
  for (const record of records) {
    for (const node of record.addedNodes) {
      const body = node.querySelector?.('.chat-body');
      if (body && !(body.textContent in window.kinoShown)) window.kinoShown[body.textContent] = now;
    }
  }
}).observe(document, { childList: true, subtree: true });
"""


def gql(http: httpx.Client, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = http.post("/graphql", json={"query": query, "variables": variables or {}}).json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return body["data"]


def people(http: httpx.Client, count: int) -> list[tuple[str, str]]:
    """(user id, access token) of ``count`` new accounts."""
    made = []
    for n in range(count):
        handle = f"chatter{n}_{time.monotonic_ns() % 100_000}"
        data = gql(http, REGISTER, {"e": f"{handle}@example.com", "h": handle})["register"]
        made.append((data["user"]["id"], data["accessToken"]))
    return made


def create_stream(http: httpx.Client, token: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    body = http.post("/graphql", json={"query": CREATE_STREAM}, headers=headers).json()
    return str(body["data"]["createLiveStream"]["stream"]["id"])


def follow(page: Page, rooms: ChatRooms, stream: UUID, author: UUID) -> None:
    """Post a warm-up line every half second until one reaches the page live."""
    for attempt in range(120):
        rooms.post_messages([PostRequest(stream, author, f"warm-up {attempt}")])
        page.wait_for_timeout(500)
        if page.evaluate("window.kinoChat.following"):
            return
    raise RuntimeError("the page never received a live chat message")


def chatter(
    rooms: ChatRooms, stream: UUID, authors: list[UUID], per_second: int, seconds: int
) -> dict[str, float]:
    """Post ``per_second`` messages each second; when each was posted (ms since the epoch)."""
    posted: dict[str, float] = {}
    started = time.monotonic()
    for second in range(seconds):
        bodies = [f"message {second * per_second + n}" for n in range(per_second)]
        at = time.time() * 1000
        rooms.post_messages(
            [PostRequest(stream, authors[n % len(authors)], body) for n, body in enumerate(bodies)]
        )
        posted.update(dict.fromkeys(bodies, at))
        time.sleep(max(0.0, started + second + 1 - time.monotonic()))
    return posted


def long_tasks(page: Page) -> list[float]:
    tasks: list[float] = page.evaluate("window.kinoLongTasks.splice(0)")
    return tasks


def describe(name: str, tasks: list[float]) -> tuple[float, float]:
    longest = max(tasks, default=0.0)
    blocking = sum(task - LONG_TASK_MS for task in tasks)
    print(
        f"  {name:<22} {len(tasks):5d} long tasks  longest {longest:6.0f} ms"
        f"  blocking time {blocking:7.0f} ms"
    )
    return longest, blocking


def measure(page: Page, rooms: ChatRooms, stream: UUID, authors: list[UUID], args: Any) -> None:
    follow(page, rooms, stream, authors[0])
    long_tasks(page)
    page.wait_for_timeout(args.seconds * 1000)
    idle = long_tasks(page)
    posted = chatter(rooms, stream, authors, args.per_second, args.seconds)
    last = f"message {len(posted) - 1}"
    for _ in range(600):
        if page.evaluate(f"'{last}' in window.kinoShown"):
            break
        page.wait_for_timeout(100)
    busy = long_tasks(page)
    shown: dict[str, float] = page.evaluate("window.kinoShown")
    lines = page.locator("#chat-log .chat-line").count()
    report(idle, busy, posted, shown, lines, args)


def report(
    idle: list[float],
    busy: list[float],
    posted: dict[str, float],
    shown: dict[str, float],
    lines: int,
    args: Any,
) -> None:
    delays = [(shown[body] - at) / 1000 for body, at in posted.items() if body in shown]
    print(f"\n/live/{{id}}, {args.per_second} messages/s for {args.seconds} s vs idle as long:")
    idle_longest, idle_blocking = describe("idle page (baseline)", idle)
    longest, blocking = describe("busy room", busy)
    ratio = f"{longest / idle_longest:.2f}x" if idle_longest else "the idle page had none"
    print(f"  busy / idle: longest task {ratio}, blocking time +{blocking - idle_blocking:.0f} ms")
    print(
        f"  shown {len(delays)} of {len(posted)} messages; {lines} lines kept in the DOM;"
        f" posted -> shown p50 {percentile(delays, 50) * 1000:.0f} ms,"
        f" p99 {percentile(delays, 99) * 1000:.0f} ms, max {max(delays, default=0) * 1000:.0f} ms"
    )
    print(
        f"  targets: no task over 200 ms ({'met' if longest <= 200 else 'NOT met'}),"
        f" shown within 1 s ({'met' if delays and max(delays) <= 1 else 'NOT met'})"
    )


def main(args: argparse.Namespace) -> None:
    with (
        scratch_database() as database,
        tempfile.TemporaryDirectory() as folder,
        kino_process_group(database, Path(folder), "api", "projector") as (base, _),
        httpx.Client(base_url=base, timeout=60) as http,
        sync_playwright() as playwright,
    ):
        (_, token), *others = people(http, 6)
        stream = UUID(create_stream(http, token))
        authors = [UUID(user) for user, _ in others]
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        page = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
        page.add_init_script(OBSERVERS)
        page.goto(f"{base}/live/{stream}")
        rooms = ChatRooms(env=eventstore_env(database))
        try:
            measure(page, rooms, stream, authors, args)
        finally:
            rooms.close()
            browser.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--per-second", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=20)
    main(parser.parse_args())
