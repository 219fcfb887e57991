"""Videos for the browser tests, made through the API as any client would: sign in, create
an upload, PUT the bytes to ``uploadUrl``, complete it, wait until READY."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, unique
from tests.browser.site import Site
from tests.browser.test_accounts import PASSWORD, register, sign_in
from tests.integration.videos import media

WAIT_LIMIT = 300.0  # a safety net for a hung pipeline on a busy machine, not a threshold
LOGIN = "mutation($l: String!, $p: String!) { login(login: $l, password: $p) { accessToken } }"
CREATE = """mutation($title: String!, $filename: String!, $size: Int!, $visibility: Visibility) {
  createVideoUpload(title: $title, filename: $filename, sizeBytes: $size,
                    contentType: "video/mp4", visibility: $visibility) {
    uploadUrl uploadHeaders { name value } video { id } } }"""
COMPLETE = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { id status } }"
VIDEO = """query($id: ID!) { video(id: $id) { id title status failureReason durationSeconds
  playbackUrl thumbnailUrl storyboardUrl renditions { name height } } }"""


def clip(folder: Path, name: str = "clip", seconds: int = 30) -> Path:
    """A 640x360 test picture with a tone: three renditions (144p, 240p, 360p)."""
    folder.mkdir(parents=True, exist_ok=True)
    return media.video(folder / f"{name}-{seconds}s.mp4", 640, 360, seconds=seconds)


def api_token(site: Site, handle: str) -> str:
    return str(site.gql(LOGIN, {"l": handle, "p": PASSWORD})["login"]["accessToken"])


def upload(site: Site, token: str, path: Path, title: str, visibility: str = "PUBLIC") -> str:
    data = path.read_bytes()
    variables = {"title": title, "filename": path.name, "size": len(data), "visibility": visibility}
    created = site.gql(CREATE, variables, token)["createVideoUpload"]
    headers = {header["name"]: header["value"] for header in created["uploadHeaders"]}
    answer = httpx.put(created["uploadUrl"], content=data, headers=headers, timeout=120)
    assert answer.status_code == 200, answer.text
    video_id = str(created["video"]["id"])
    site.gql(COMPLETE, {"id": video_id}, token)
    return video_id


def wait_ready(site: Site, token: str, video_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        video: dict[str, Any] = site.gql(VIDEO, {"id": video_id}, token)["video"]
        if video["status"] in ("READY", "FAILED"):
            assert video["status"] == "READY", video["failureReason"]
            return video
        assert time.monotonic() < deadline, f"the video stayed {video['status']}"
        time.sleep(0.5)


@dataclass(frozen=True)
class Watched:
    """A person who registered in the browser and a READY video of theirs (uploaded through
    the API), shared by the player's tests: one transcode per test session."""

    handle: str
    token: str
    video_id: str
    video: dict[str, Any]

    def url(self, site: Site, page: str = "watch") -> str:
        return f"{site.url}/{page}/{self.video_id}"


_WATCHED: dict[str, Watched] = {}


def watched_video(browser: Any, site: Site, folder: Path) -> Watched:
    if site.url not in _WATCHED:
        problems = PageProblems()
        context = browser.new_context()
        problems.watch(context)
        handle = unique()
        register(context.new_page(), site, handle)
        context.close()
        assert problems.seen == [], problems.seen
        token = api_token(site, handle)
        video_id = upload(site, token, clip(folder), "A test picture")
        _WATCHED[site.url] = Watched(handle, token, video_id, wait_ready(site, token, video_id))
    return _WATCHED[site.url]


MEDIA_STATE = """() => {
  const m = document.getElementById('media');
  return { paused: m.paused, ended: m.ended, time: m.currentTime, duration: m.duration,
           muted: m.muted, volume: m.volume, rate: m.playbackRate, height: m.videoHeight,
           ready: m.readyState, resumedAt: m.dataset.resumedAt ?? null };
}"""


def media_state(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(MEDIA_STATE)
    return state


def wait_for_media(
    page: Page, holds: Callable[[dict[str, Any]], bool], what: str, timeout: float = 90.0
) -> dict[str, Any]:
    """Wait until the media element's state ``holds`` (a safety limit, not a threshold)."""
    deadline = time.monotonic() + timeout
    while True:
        state = media_state(page)
        if holds(state):
            return state
        assert time.monotonic() < deadline, f"timed out waiting for {what}: {state}"
        page.wait_for_timeout(100)


def signed_in(page: Page, site: Site, handle: str) -> None:
    """Sign in on the login page and wait until the next page has traded its refresh cookie
    (its header names the person): leaving a page while its refresh is in flight loses the
    rotated cookie, and the next refresh then looks like a reused token (the session ends)."""
    sign_in(page, site, handle)
    expect(page.locator("#account-name")).to_have_text(re.compile(r"\S"), timeout=30_000)
