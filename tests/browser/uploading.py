"""Helpers for the upload page's tests: choose a file, hold a tus upload in its middle, read
what the page shows and what the server stored."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, Route, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import unique
from tests.browser.site import Site
from tests.browser.test_accounts import PASSWORD, register

TUS = {"Tus-Resumable": "1.0.0"}
SMALL_CHUNKS = "localStorage.setItem('kino.upload.chunkBytes', String(256 * 1024));"
LOGIN = """mutation($login: String!, $password: String!) {
  login(login: $login, password: $password) { accessToken } }"""
WAIT_MS = 240_000  # a safety net for a hung pipeline, not a performance threshold
READY = "Ready: every quality is available."
PLAY = """async () => {
  await customElements.whenDefined('hls-video');
  const media = document.getElementById('media');
  if (media.paused) await media.play().catch(() => {});
  return media.currentTime;
}"""
RECORD_TEXTS = """(selector) => {
  window.kinoSeen = [];
  const element = document.querySelector(selector);
  new MutationObserver(() => window.kinoSeen.push(element.textContent))
    .observe(element, { childList: true, characterData: true, subtree: true });
}"""


def settled(page: Page) -> None:
    """Wait until the page holds its session (the header names the person), so that the next
    navigation does not cut its refresh-cookie trade short."""
    expect(page.locator("#account-name")).not_to_be_empty()


def reload(page: Page) -> None:
    page.reload()
    settled(page)


def sign_up(page: Page, site: Site) -> str:
    """A new person, signed in, on a page that holds its session."""
    handle = unique()
    register(page, site, handle)
    settled(page)
    return handle


def api_token(site: Site, handle: str) -> str:
    """An access token of the person (a session of its own) for the test's API calls."""
    return str(site.gql(LOGIN, {"login": handle, "password": PASSWORD})["login"]["accessToken"])


def no_serious_accessibility_problems(page: Page) -> None:
    """axe-core on the page as its script left it (dynamic states too)."""
    assert serious_violations(page) == []


def choose(page: Page, clip: Path) -> None:
    page.get_by_label("Video file").set_input_files(str(clip))


def start_upload(
    page: Page, site: Site, clip: Path, title: str, visibility: str = "PUBLIC"
) -> None:
    page.goto(f"{site.url}/upload")
    choose(page, clip)
    page.get_by_label("Title").fill(title)
    page.get_by_label("Visibility").select_option(visibility)
    page.get_by_role("button", name="Upload", exact=True).click()


def uploaded_all(page: Page) -> None:
    expect(page.locator("#upload-bar")).to_have_js_property("value", 100, timeout=WAIT_MS)
    expect(page.locator("#upload-numbers")).to_contain_text("100 %")


def record_texts(page: Page, selector: str) -> Callable[[], list[str]]:
    """Every text ``selector`` shows from now on (the page's script changes it)."""
    page.evaluate(RECORD_TEXTS, selector)
    return lambda: list(page.evaluate("window.kinoSeen"))


def remembered(page: Page) -> dict[str, Any]:
    """The one unfinished upload the page keeps in localStorage."""
    (entry,) = json.loads(page.evaluate("localStorage.getItem('kino.uploads')")).values()
    return dict(entry)


def server_offset(page: Page, tus_url: str) -> int:
    return int(page.request.head(tus_url, headers=TUS).headers["upload-offset"])


def stored_digest(site: Site, video_id: str) -> bytes:
    source = site.settings.data_dir / "objects" / "videos" / video_id / "source"
    return hashlib.sha256(source.read_bytes()).digest()


def play_a_little(page: Page) -> float:
    """Play the watch page's player (again, while a new load interrupts it); the position once
    it has played a moment."""
    deadline = time.monotonic() + WAIT_MS / 1000
    while (position := page.evaluate(PLAY)) < 0.5:
        assert time.monotonic() < deadline, "the video never played"
        page.wait_for_timeout(100)
    return float(position)


class PatchGate:
    """Lets the first ``passing`` PATCHes of a tus upload through and holds the next one, so
    the upload is in its middle for as long as the test needs (no timing involved)."""

    def __init__(self, page: Page, passing: int) -> None:
        self.page, self.passing = page, passing
        self.passed = 0
        self.held: list[Route] = []
        page.route(self.matches, self.handle)

    @staticmethod
    def matches(url: str) -> bool:
        return "/uploads/tus/" in url

    def handle(self, route: Route) -> None:
        if route.request.method == "PATCH":
            if self.passed >= self.passing:
                self.held.append(route)
                return
            self.passed += 1
        route.continue_()

    def wait_until_holding(self) -> None:
        deadline = time.monotonic() + WAIT_MS / 1000
        while not self.held:
            assert time.monotonic() < deadline, "the upload never reached the held chunk"
            self.page.wait_for_timeout(50)

    def open(self) -> None:
        """Let every later request through (a held one stays held until the page drops it)."""
        self.page.unroute(self.matches, self.handle)
