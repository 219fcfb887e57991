"""Going live from the studio with a real encoder (ffmpeg over RTMP into the ingest), and
watching it: the viewer's page goes from "starting soon" to playing by itself, the quality
menu switches rungs, and the end of the broadcast leads to its recording."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot, unique
from tests.browser.live_helpers import publishing
from tests.browser.site import Site
from tests.browser.test_accounts import register

MEDIA = "(() => { const m = document.getElementById('media'); return {time: m.currentTime ?? 0, height: m.videoHeight ?? 0, paused: m.paused ?? true}; })()"


def go_live(page: Page, site: Site, title: str) -> dict[str, str]:
    page.goto(f"{site.url}/studio")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_role("button", name="Go live").dblclick()  # as people do: still one stream
    expect(page.get_by_label("Stream key")).not_to_have_value("", timeout=30_000)
    expect(page.locator(".my-stream").filter(has_text=title)).to_have_count(1)
    expect(page.get_by_label("Server")).to_be_focused()  # where to look next
    key = page.get_by_label("Stream key").input_value()
    assert page.get_by_label("Stream key").get_attribute("type") == "password"  # hidden
    page.get_by_role("button", name="Reveal key").click()
    assert page.get_by_label("Stream key").get_attribute("type") == "text"
    link = page.get_by_role("link", name="watch it").get_attribute("href") or ""
    return {"server": page.get_by_label("Server").input_value(), "key": key, "path": link}


def media(page: Page) -> dict[str, Any]:
    state: dict[str, Any] = page.evaluate(MEDIA)
    return state


def wait_media(page: Page, check: Any, timeout_ms: int = 60_000) -> dict[str, Any]:
    deadline = page.evaluate("performance.now()") + timeout_ms
    while True:
        state = media(page)
        if check(state):
            return state
        assert page.evaluate("performance.now()") < deadline, state
        page.wait_for_timeout(250)


def start_playing(page: Page) -> bool:
    """Ask the player to play (again: the page may still be loading its source)."""
    page.evaluate(
        "(() => { const m = document.getElementById('media');"
        " if (m.play && m.paused) { m.muted = true; m.play().catch(() => {}); } })()"
    )
    return True


def test_go_live_watch_switch_quality_end_and_watch_the_recording(
    page: Page, site: Site, other_person: Any
) -> None:
    register(page, site, unique("streamer"), "The Streamer")
    title = f"Live {unique()}"
    stream = go_live(page, site, title)
    assert stream["server"].startswith("rtmp://") and stream["key"]
    screenshot(page, "studio-live")

    viewer = other_person().new_page()
    viewer.goto(site.url + stream["path"])
    expect(viewer.locator("#live-state")).to_contain_text("Starting soon")
    expect(viewer.get_by_role("heading", name=title)).to_be_visible()
    expect(viewer.locator("#viewer-count")).to_have_text("1 watching")  # pushed, with itself
    second_viewer = other_person().new_page()
    second_viewer.goto(site.url + stream["path"])
    expect(viewer.locator("#viewer-count")).to_have_text("2 watching")
    second_viewer.close()
    expect(viewer.locator("#viewer-count")).to_have_text("1 watching")

    with publishing(stream["server"], stream["key"]):
        expect(viewer.locator("#live-state")).to_have_text("Live", timeout=60_000)
        first = wait_media(viewer, lambda s: s["time"] > 1 and s["height"] > 0)
        wait_media(viewer, lambda s: s["time"] > first["time"] + 2)  # it advances
        screenshot(viewer, "live-playing")

        viewer.get_by_role("button", name="Quality").click()
        options = viewer.get_by_role("menuitemradio")
        expect(options.filter(has_text="240p")).to_be_visible()
        target = 240 if first["height"] != 240 else 360
        options.filter(has_text=f"{target}p").click()
        wait_media(viewer, lambda s: s["height"] == target)
        expect(viewer.locator("#viewer-count")).to_have_text(re.compile(r"^[1-9]\d* watching$"))

        # The streamer's studio: the stream's health from the ingest, viewers, a preview.
        page.reload()
        mine = page.locator(".my-stream").filter(has_text=title)
        expect(mine.locator("[data-role=health]")).to_contain_text(
            re.compile(r"Mb/s in · \d+ fps · encoder [\d.]+\u00d7 · 2 qualities"), timeout=30_000
        )
        expect(mine.locator("[data-role=state]")).to_contain_text(
            re.compile(r"Live · [1-9]\d* watching")
        )
        expect(mine.get_by_label(f"Preview of {title}")).to_be_visible()
        screenshot(page, "studio-streaming")
        page.once("dialog", lambda dialog: dialog.accept())
        mine.get_by_role("button", name="End stream").click()
        expect(viewer.locator("#live-state")).to_contain_text("ended", timeout=30_000)
        expect(viewer.locator("#viewer-count")).to_be_hidden()  # nobody watches a past show

    recording = viewer.get_by_role("link", name="Watch the recording")
    expect(recording).to_be_visible(timeout=180_000)
    recording.click()
    expect(viewer).to_have_url(re.compile(r"/watch/"))
    wait_media(viewer, lambda s: s["time"] > 1 or (start_playing(viewer) and False))
