"""Resume position in Chromium: a returning viewer continues where they stopped (this
browser's storage, signed in or not), the end of the video clears it, and a signed-in
viewer continues on another device (the account's position, kept by Kino). Typing in the
comment box does not control the player."""

from __future__ import annotations

import time
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.site import Site
from tests.browser.videos import (
    WAIT_LIMIT,
    Watched,
    media_state,
    signed_in,
    wait_for_media,
    watched_video,
)

RESUME = "query($id: ID!) { video(id: $id) { resumePosition } }"


@pytest.fixture(scope="module")
def watched(browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Watched:
    return watched_video(browser, site, tmp_path_factory.mktemp("clips"))


def open_video(page: Page, site: Site, watched: Watched) -> dict[str, Any]:
    page.goto(watched.url(site))
    state = wait_for_media(page, lambda s: s["resumedAt"] is not None, "the resume decision")
    page.locator("#video-title").click()  # focus on the page, not on a control
    return state


def play_from(page: Page, digit: str, until: float) -> float:
    """Go to ``digit`` tenths of the video, play past ``until`` seconds, pause; where it stopped."""
    page.keyboard.press(digit)
    page.keyboard.press("k")
    wait_for_media(page, lambda s: s["time"] > until and not s["paused"], f"playing past {until}")
    page.keyboard.press("k")
    return float(wait_for_media(page, lambda s: s["paused"], "paused")["time"])


def test_a_returning_viewer_resumes_where_they_stopped_until_the_end(
    page: Page, site: Site, watched: Watched
) -> None:
    assert open_video(page, site, watched)["resumedAt"] == "start"
    stopped = play_from(page, "4", 13.5)  # from 12 s

    page.reload()
    state = wait_for_media(page, lambda s: s["resumedAt"] is not None, "the resume decision")
    assert float(state["resumedAt"]) == pytest.approx(stopped, abs=0.2)
    state = wait_for_media(page, lambda s: abs(s["time"] - stopped) < 0.5, "resumed")
    assert state["paused"]  # resumed, not started

    page.locator("#video-title").click()
    page.keyboard.press("9")  # 27 s: play to the end
    page.keyboard.press("k")
    wait_for_media(page, lambda s: s["ended"], "the end")
    page.reload()
    assert wait_for_media(page, lambda s: s["resumedAt"] is not None, "decided")["resumedAt"] == (
        "start"
    )
    assert media_state(page)["time"] < 1
    assert watched.video_id not in page.evaluate(
        "Object.keys(JSON.parse(localStorage['kino.resume'] ?? '{}'))"
    )


def test_a_signed_in_viewer_continues_on_another_device(
    page: Page, site: Site, watched: Watched, other_person: Any
) -> None:
    signed_in(page, site, watched.handle)
    open_video(page, site, watched)

    comment = page.get_by_label("Add a comment")  # typing there types, nothing else
    comment.press_sequentially("k m 7 f ?")
    expect(comment).to_have_value("k m 7 f ?")
    state = media_state(page)
    assert state["paused"] and not state["muted"] and state["time"] < 1
    expect(page.get_by_role("dialog", name="Keyboard shortcuts")).to_be_hidden()

    page.locator("#video-title").click()
    stopped = play_from(page, "6", 19.5)  # from 18 s
    deadline = time.monotonic() + WAIT_LIMIT
    while True:  # pausing saved it to the account
        kept = site.gql(RESUME, {"id": watched.video_id}, watched.token)["video"]["resumePosition"]
        if kept is not None and abs(kept - stopped) < 0.5:
            break
        assert time.monotonic() < deadline, f"the account kept {kept}, not {stopped}"
        time.sleep(0.2)

    elsewhere = other_person().new_page()  # another device: nothing in its storage
    signed_in(elsewhere, site, watched.handle)
    state = open_video(elsewhere, site, watched)
    assert float(state["resumedAt"]) == pytest.approx(stopped, abs=0.5)
    wait_for_media(elsewhere, lambda s: abs(s["time"] - stopped) < 0.6, "resumed elsewhere")
