"""A PRIVATE video on the watch page: its owner watches it (the page asks for itself again
with the owner's token; every media URL, the storyboard's tiles included, carries a media
token); anyone else, signed in or not, gets "not found"."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import unique
from tests.browser.site import Site
from tests.browser.test_accounts import register
from tests.browser.videos import (
    Watched,
    clip,
    signed_in,
    upload,
    wait_for_media,
    wait_ready,
    watched_video,
)

CUES = """[...document.getElementById('media').textTracks]
  .find((t) => t.label === 'thumbnails')?.cues?.length ?? 0"""


@pytest.fixture(scope="module")
def watched(browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Watched:
    return watched_video(browser, site, tmp_path_factory.mktemp("clips"))


def test_the_owner_watches_a_private_video_and_nobody_else_does(
    page: Page,
    site: Site,
    watched: Watched,
    other_person: Any,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    path = clip(tmp_path_factory.mktemp("private"), "private", 12)
    video_id = upload(site, watched.token, path, "My own secret", "PRIVATE")
    wait_ready(site, watched.token, video_id)
    url = f"{site.url}/watch/{video_id}"

    signed_in(page, site, watched.handle)
    page.goto(url)
    expect(page.get_by_role("heading", name="My own secret")).to_be_visible(timeout=30_000)
    wait_for_media(page, lambda s: s["ready"] >= 1 and s["duration"] > 10, "metadata")
    for _ in range(600):  # the index and its tiles carry the owner's media token
        if page.evaluate(CUES) >= 12:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(CUES) == 12
    page.locator("#video-title").click()
    page.keyboard.press("k")
    wait_for_media(page, lambda s: s["time"] > 1.5, "the owner's private video playing")
    box = page.get_by_role("slider", name="seek").bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] / 2)
    expect(page.locator("media-preview-thumbnail[slot=preview]")).to_have_attribute(
        "mediapreviewimage", re.compile(r"/storyboard\.jpg\?token=[^#]+#xywh=")
    )

    stranger = other_person().new_page()
    stranger.goto(url)
    expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
    register(stranger, site, unique())
    expect(stranger.locator("#account-name")).to_have_text(re.compile(r"\S"), timeout=30_000)
    with stranger.expect_response(
        lambda r: r.url == url and r.request.headers.get("authorization") is not None
    ) as asked:
        stranger.goto(url)  # signed in as someone else: the page asks again as them, refused
    assert asked.value.status == 404
    expect(stranger.locator("#account-name")).to_have_text(re.compile(r"\S"))
    expect(stranger.get_by_role("heading", name="Not found")).to_be_visible()
    assert stranger.locator("#player").count() == 0
