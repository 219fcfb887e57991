"""What the page tests look at, made once per run through the api: an owner with a PUBLIC
video that has a comment thread and a PRIVATE video, a person whose name, video and comments
are markup (XSS payloads), and fresh videos for the comment tests that change counts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Dialog, Page, expect

from tests.browser.seed import Person, comment, person, upload, wait_ready
from tests.browser.site import Site
from tests.integration.videos.media import video as make_clip

# Markup typed by people: it must show as these very characters and run nothing.
TAG = "<img src=x onerror=alert(1)>"
BREAKOUT = '"><script>alert(2)</script>'
HOSTILE_NAME = '"><img src=x onerror=alert(1)>'
HOSTILE_TITLE = f"Hostile {BREAKOUT} {TAG}"
HOSTILE_TEXT = f"{TAG}\n{BREAKOUT} <b>not bold</b>"
PAGING_COMMENTS = 23  # more than the 20 a page shows
# People's text that is one long word, as long as Kino allows: it must not widen any page.
LONG_NAME = "N" * 50
LONG_TITLE = "W" * 200
LONG_WORD = "C" * 500


@dataclass(frozen=True)
class Library:
    owner: Person
    public: str  # a READY PUBLIC video of the owner's, with a thread: a comment and 2 replies
    private: str  # a READY PRIVATE video of the owner's
    hostile: Person
    hostile_video: str
    thread: str  # READY PUBLIC, no comments: for the test that posts, edits, deletes
    paging: str  # READY PUBLIC with PAGING_COMMENTS comments
    long_words: str  # READY PUBLIC: LONG_TITLE by LONG_NAME, with a LONG_WORD comment
    long_named: Person


@pytest.fixture(scope="session")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("clips") / "clip.mp4", 320, 180, seconds=2)


@pytest.fixture(scope="session")
def library(site: Site, clip: Path) -> Library:
    owner = person(site, "Olive Owner")
    hostile = person(site, HOSTILE_NAME)
    videos = {
        "public": upload(site, owner, clip, "Harbour at dawn", "Boats leave.\nGulls follow."),
        "private": upload(site, owner, clip, "My private rehearsal", visibility="PRIVATE"),
        "hostile_video": upload(site, hostile, clip, HOSTILE_TITLE, HOSTILE_TEXT),
        "thread": upload(site, owner, clip, "Thread test"),
        "paging": upload(site, owner, clip, "Many comments"),
    }
    for video_id in videos.values():
        wait_ready(site, owner if video_id != videos["hostile_video"] else hostile, video_id)
    long_named = person(site, LONG_NAME)
    videos["long_words"] = upload(site, long_named, clip, LONG_TITLE, LONG_WORD)
    wait_ready(site, long_named, videos["long_words"])
    comment(site, long_named, videos["long_words"], LONG_WORD)
    guest = person(site, "Gus Guest")
    top = comment(site, guest, videos["public"], "Lovely light on the water.")
    comment(site, owner, videos["public"], "Thank you!", top["id"])
    comment(site, hostile, videos["public"], HOSTILE_TEXT, top["id"])
    comment(site, owner, videos["public"], "Filmed at 6am.")
    hostile_top = comment(site, hostile, videos["hostile_video"], HOSTILE_TEXT)
    comment(site, hostile, videos["hostile_video"], HOSTILE_TEXT, hostile_top["id"])
    writers = [person(site) for _ in range(3)]  # 10 comments a minute each
    for number in range(PAGING_COMMENTS):
        comment(site, writers[number % 3], videos["paging"], f"Comment number {number + 1}")
    return Library(owner=owner, hostile=hostile, long_named=long_named, **videos)


class Dialogs:
    """alert(), confirm() and prompt() a page opened: none is expected."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def opened(self, dialog: Dialog) -> None:
        self.seen.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


@pytest.fixture
def dialogs(context: BrowserContext) -> Iterator[Dialogs]:
    watched = Dialogs()
    for page in context.pages:
        page.on("dialog", watched.opened)
    context.on("page", lambda page: page.on("dialog", watched.opened))
    yield watched
    assert watched.seen == [], watched.seen


def settled(page: Page) -> None:
    """Wait until the page knows whether it is signed in (its refresh is done). Leaving a
    page while its refresh is in flight can lose the rotated refresh cookie, and the next
    page's refresh then ends the session (the old token counts as reused)."""
    known = page.locator(
        "#account-name:not(:empty), html[data-session='signed-out'], html:not(:has(#account-name))"
    )
    expect(known.first).to_be_attached(timeout=30_000)


def visit(page: Page, url: str) -> None:
    page.goto(url)
    settled(page)
