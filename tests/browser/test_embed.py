"""Sharing a video: the embed page plays inside another site's frame, oEmbed answers for
this Kino's watch URLs (and nothing else), and the watch page carries OpenGraph, Twitter
card and oEmbed discovery tags. Screenshots of the watch and embed pages at 1280 and 375 px."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import quote
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.videos import (
    Watched,
    clip,
    upload,
    wait_for_media,
    wait_ready,
    watched_video,
)

FRAME_TIME = "document.getElementById('media').currentTime"


@pytest.fixture(scope="module")
def watched(browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Watched:
    return watched_video(browser, site, tmp_path_factory.mktemp("clips"))


class AnotherSite(BaseHTTPRequestHandler):
    """A blog on another origin (another port) whose one page embeds what it is given."""

    body = b""

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def another_site() -> Iterator[Callable[[Page, str], None]]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), AnotherSite)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def visit(page: Page, html: str) -> None:
        AnotherSite.body = f"<!doctype html><title>A blog</title>{html}".encode()
        page.goto(f"http://127.0.0.1:{server.server_address[1]}/post")

    yield visit
    server.shutdown()
    server.server_close()


def oembed(page: Page, site: Site, url: str, **params: Any) -> Any:
    query = "&".join(f"{name}={value}" for name, value in {"format": "json", **params}.items())
    return page.request.get(f"{site.url}/oembed?url={quote(url, safe='')}&{query}")


def test_the_embed_page_plays_inside_another_sites_frame(
    page: Page, site: Site, watched: Watched, another_site: Callable[[Page, str], None]
) -> None:
    answer = page.request.get(watched.url(site, "embed"))
    assert answer.status == 200
    assert "frame-ancestors *" in answer.headers["content-security-policy"]
    assert "x-frame-options" not in answer.headers
    another_site(
        page,
        f'<iframe src="{watched.url(site, "embed")}" width="640" height="360" '
        'allow="autoplay; fullscreen; picture-in-picture"></iframe>',
    )
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("link", name="A test picture")).to_be_visible(timeout=30_000)
    frame.get_by_role("button", name=re.compile(r"^play$", re.I)).click()
    inner = page.frames[1]
    for _ in range(600):
        if inner.evaluate(FRAME_TIME) > 1.5:
            break
        page.wait_for_timeout(100)
    assert inner.evaluate(FRAME_TIME) > 1.5


def test_oembed_answers_for_this_kinos_watch_urls_only(
    page: Page,
    site: Site,
    watched: Watched,
    tmp_path_factory: pytest.TempPathFactory,
    another_site: Callable[[Page, str], None],
) -> None:
    answer = oembed(page, site, watched.url(site))
    assert answer.status == 200
    assert answer.headers["access-control-allow-origin"] == "*"
    data = answer.json()
    assert data["type"] == "video" and data["version"] == "1.0"
    assert data["title"] == "A test picture"
    assert data["author_name"] == f"Person {watched.handle}"
    assert data["provider_name"] == "Kino"
    assert (data["width"], data["height"]) == (640, 360)
    assert data["thumbnail_url"] == watched.video["thumbnailUrl"]
    assert (data["thumbnail_width"], data["thumbnail_height"]) == (640, 360)
    assert f'src="{watched.url(site, "embed")}"' in data["html"]
    small = oembed(page, site, watched.url(site), maxwidth=320).json()
    assert (small["width"], small["height"]) == (320, 180)

    another_site(page, data["html"])  # the html works as given
    expect(page.frame_locator("iframe").get_by_role("link", name="A test picture")).to_be_visible(
        timeout=30_000
    )

    assert oembed(page, site, watched.url(site), format="xml").status == 501
    owner = watched.token
    private = upload(
        site, owner, clip(tmp_path_factory.mktemp("p"), "private", 4), "Mine", "PRIVATE"
    )
    wait_ready(site, owner, private)
    for refused in (
        f"{site.url}/watch/{private}",  # PRIVATE: as if it did not exist
        f"{site.url}/watch/{uuid4()}",
        watched.url(site, "embed"),
        f"https://elsewhere.example/watch/{watched.video_id}",
        "not a url",
    ):
        assert oembed(page, site, refused).status == 404, refused


def test_the_watch_page_carries_sharing_tags(page: Page, site: Site, watched: Watched) -> None:
    page.goto(watched.url(site))

    def meta(selector: str) -> str | None:
        return page.locator(f"meta[{selector}]").get_attribute("content")

    embed = watched.url(site, "embed")
    assert meta('property="og:title"') == meta('name="twitter:title"') == "A test picture"
    assert meta('property="og:type"') == "video.other"
    assert meta('property="og:url"') == watched.url(site)
    assert (
        meta('property="og:image"') == meta('name="twitter:image"') == watched.video["thumbnailUrl"]
    )
    assert meta('property="og:video"') == meta('name="twitter:player"') == embed
    assert meta('name="twitter:card"') == "player"
    discovery = page.locator('link[rel="alternate"][type="application/json+oembed"]')
    found = page.request.get(discovery.get_attribute("href") or "")
    assert found.status == 200 and found.json()["html"].count(embed) == 1


@pytest.mark.parametrize("width", [1280, 375])
def test_screenshots_of_the_watch_and_embed_pages(
    page: Page, site: Site, watched: Watched, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    page.goto(watched.url(site))
    wait_for_media(page, lambda s: s["ready"] >= 2, "a first frame")
    expect(page.get_by_role("button", name="Quality", exact=True)).to_be_visible()
    screenshot(page, "watch-player")
    page.get_by_role("button", name="Keyboard shortcuts").click()
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_visible()
    screenshot(page, "watch-shortcuts")
    page.goto(watched.url(site, "embed"))
    wait_for_media(page, lambda s: s["ready"] >= 2, "a first frame")
    screenshot(page, "embed")
