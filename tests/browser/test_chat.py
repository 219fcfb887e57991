"""The live chat in the browser: two viewers see the same messages in the same order; the
streamer deletes, bans and sets slow mode from the page; a dropped socket catches up."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, WebSocketRoute, expect

from tests.browser.busy_room import LONG_TASKS, chatter, follow_room
from tests.browser.conftest import screenshot
from tests.browser.people import Person, person, signed_in_page, stream_of
from tests.browser.site import Site


def say(page: Page, text: str) -> None:
    box = page.get_by_label("Chat message")
    box.fill(text)
    box.press("Enter")


def bodies(page: Page) -> list[str]:
    return page.locator("#chat-log .chat-body").all_text_contents()


def expect_bodies(page: Page, wanted: list[str]) -> None:
    expect(page.locator("#chat-log .chat-body")).to_have_text(wanted, timeout=15_000)


def moderate(page: Page, author: Person, body: str, action: str) -> None:
    line = page.locator("#chat-log .chat-line").filter(has_text=body)
    line.get_by_role("button", name=f"Moderate message from {author.name}").click()
    page.get_by_role("dialog").get_by_role("button", name=action).click()
    page.get_by_role("dialog").get_by_role(
        "button", name=re.compile(f"^Yes, {action.lower()}")
    ).click()


def test_two_viewers_chat_and_the_streamer_moderates(site: Site, other_person: Any) -> None:
    streamer, alice, bob = (
        person(site, "Samantha Alexandra Streamerson"),
        person(site, "Alice"),
        person(site, "Bob"),
    )
    stream = stream_of(site, streamer)["stream"]
    path = f"/live/{stream['id']}"
    owner_page = signed_in_page(other_person, site, streamer, path)
    alice_page = signed_in_page(other_person, site, alice, path)
    bob_page = signed_in_page(other_person, site, bob, path)

    # Everyone sees a first message (the pages follow the room from here on).
    say(owner_page, "welcome")
    for page in (alice_page, bob_page, owner_page):
        expect_bodies(page, ["welcome"])
    say(alice_page, "hello from alice")
    expect(bob_page.locator("#chat-log .chat-body").last).to_have_text("hello from alice")
    say(bob_page, "hi alice")
    say(alice_page, "how are you")
    say(bob_page, "fine <img src=x onerror=alert(1)>")
    wanted = [
        "welcome",
        "hello from alice",
        "hi alice",
        "how are you",
        "fine <img src=x onerror=alert(1)>",
    ]
    for name, page in (("alice", alice_page), ("bob", bob_page), ("owner", owner_page)):
        try:
            expect(page.locator("#chat-log .chat-body")).to_have_count(5, timeout=15_000)
        except AssertionError:
            state = page.evaluate(
                "({received: window.kinoChat.received, following: window.kinoChat.following, connections: window.kinoChat.connections, state: document.getElementById('chat-state').textContent})"
            )
            others = {
                n: (bodies(p), p.locator("#chat-error").text_content())
                for n, p in (("alice", alice_page), ("bob", bob_page), ("owner", owner_page))
            }
            raise AssertionError(f"{name}: {bodies(page)} {state}; all: {others}") from None
    assert sorted(bodies(alice_page)) == sorted(wanted)
    assert bodies(alice_page) == bodies(bob_page) == bodies(owner_page)  # one order for all
    say(owner_page, "welcome all")
    badge = bob_page.locator(".chat-line").filter(has_text="welcome all").locator(".streamer-badge")
    expect(badge).to_have_text("Streamer")
    one_line = badge.evaluate("b => parseFloat(getComputedStyle(b).lineHeight)")
    assert (badge.bounding_box() or {"height": 0})["height"] < 1.5 * one_line  # not "Strea/mer"
    screenshot(owner_page, "live-chat-streamer")

    moderate(owner_page, alice, "how are you", "Delete message")
    for page in (alice_page, bob_page, owner_page):
        expect(page.locator("#chat-log .chat-body").filter(has_text="how are you")).to_have_count(0)

    moderate(owner_page, bob, "hi alice", "Ban for 10 minutes")
    expect(owner_page.locator("#toast")).to_contain_text("Bob is banned for 10 minutes")
    say(bob_page, "am I banned?")
    expect(bob_page.locator("#chat-error")).to_contain_text("banned from this chat until")

    owner_page.get_by_label("Slow mode").select_option("30")
    expect(owner_page.locator("#toast")).to_contain_text("one message every 30 s")
    say(alice_page, "first in slow mode")
    expect(
        alice_page.locator("#chat-log .chat-body").filter(has_text="first in slow mode")
    ).to_have_count(1)
    say(alice_page, "too soon")
    expect(alice_page.locator("#chat-error")).to_contain_text(re.compile(r"wait \d+ s"))

    owner_page.get_by_role("button", name="Bans").click()
    bans = owner_page.get_by_role("dialog", name="Banned from this chat")
    expect(bans).to_contain_text("Bob")
    bans.get_by_role("button", name="Unban Bob").click()
    expect(bans.locator("#chat-bans-empty")).to_be_visible()
    bans.get_by_role("button", name="Close").click()
    say(bob_page, "back again")
    expect(alice_page.locator("#chat-log .chat-body").filter(has_text="back again")).to_have_count(
        1
    )


class DroppableSocket:
    """The page's websocket through Playwright, so the test can cut it and keep it cut."""

    def __init__(self) -> None:
        self.online = True
        self.open: list[WebSocketRoute] = []

    def route(self, ws: WebSocketRoute) -> None:
        if not self.online:
            ws.close(code=1006, reason="offline")
            return
        ws.connect_to_server()
        self.open.append(ws)

    def drop(self) -> None:
        self.online = False
        for ws in self.open:
            ws.close(code=1006, reason="offline")
        self.open.clear()


def test_a_dropped_socket_catches_up_every_message_once_in_order(
    site: Site, other_person: Any
) -> None:
    streamer, carol, dave = person(site), person(site, "Carol"), person(site, "Dave")
    stream = stream_of(site, streamer)["stream"]
    socket = DroppableSocket()
    context = other_person()
    context.route_web_socket(re.compile(r".*/graphql$"), socket.route)
    page = context.new_page()
    page.goto(f"{site.url}/live/{stream['id']}")
    site.gql(SEND, {"s": stream["id"], "b": "before the drop"}, token=dave.token)
    expect_bodies(page, ["before the drop"])

    socket.drop()
    context.set_offline(True)
    expect(page.locator("#chat-state")).to_have_text("Reconnecting…")
    sent = [f"while away {n}" for n in range(5)]
    for body in sent:
        site.gql(SEND, {"s": stream["id"], "b": body}, token=dave.token)
    socket.online = True
    context.set_offline(False)

    expect_bodies(page, ["before the drop", *sent])  # each once, in order
    site.gql(SEND, {"s": stream["id"], "b": "after"}, token=carol.token)
    expect_bodies(page, ["before the drop", *sent, "after"])


SEND = "mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }"


def test_a_busy_room_stays_bounded_and_every_message_arrives(site: Site, other_person: Any) -> None:
    """50 messages a second for 20 s: rendered in batches per frame, at most 300 lines kept.
    The page's long tasks are printed (bench/chat_page.py reports them against a baseline)."""
    streamer = person(site)
    authors = [person(site, f"Chatter {n}").id for n in range(5)]
    stream = stream_of(site, streamer)["stream"]
    context = other_person()
    context.add_init_script(LONG_TASKS)
    page = context.new_page()
    page.goto(f"{site.url}/live/{stream['id']}")
    expect(page.locator("#chat-state")).to_have_text("")
    before = follow_room(site, stream["id"], authors[0], page)  # from here every message is live
    with chatter(site, stream["id"], authors, per_second=50, seconds=20) as posted:
        pass
    total = posted[0]
    last = f"message {total - 1}"
    expect(page.locator("#chat-log .chat-body").last).to_have_text(last, timeout=60_000)
    lines = page.locator("#chat-log .chat-line").count()
    received = page.evaluate("window.kinoChat.received")
    longest = page.evaluate("Math.max(0, ...window.kinoLongTasks)")
    print("long tasks during the chatter (ms):", page.evaluate("window.kinoLongTasks"))
    print(
        f"{total} messages: {received} delivered, {lines} lines kept, longest task {longest:.0f} ms"
    )
    assert received - before == total
    assert lines == 300
    shown = page.locator("#chat-log .chat-body").all_text_contents()
    assert shown == [f"message {n}" for n in range(total - 300, total)]  # the newest, in order
