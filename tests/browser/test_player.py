"""The player on the watch page, in Chromium: a person registered in the browser, uploaded a
640x360 clip through the API (three renditions) and watches it. The Quality menu lists every
rendition before play and switches on the fly; the controls and the keyboard shortcuts do
what they say (asserted on the media element), with an overlay saying what changed; the
shortcuts leave text fields alone; the seek bar previews storyboard tiles."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.site import Site
from tests.browser.videos import Watched, media_state, wait_for_media, watched_video

RECORD_OVERLAY = """() => {
  window.kinoOverlay = [];
  const overlay = document.getElementById('player-overlay');
  new MutationObserver(() => {
    if (overlay.textContent) {
      window.kinoOverlay.push([overlay.textContent, getComputedStyle(overlay).display]);
    }
  }).observe(overlay, { childList: true, characterData: true, subtree: true });
}"""


@pytest.fixture(scope="module")
def watched(browser: Any, site: Site, tmp_path_factory: pytest.TempPathFactory) -> Watched:
    return watched_video(browser, site, tmp_path_factory.mktemp("clips"))


@pytest.fixture
def watching(page: Page, site: Site, watched: Watched) -> Page:
    """The watch page with its metadata loaded (nothing played yet) and the overlay recorded."""
    page.goto(watched.url(site))
    wait_for_media(page, lambda s: s["ready"] >= 1 and s["duration"] > 25, "metadata")
    page.evaluate(RECORD_OVERLAY)
    page.locator("#video-title").click()  # focus on the page, not on a control
    return page


def overlay_said(page: Page, text: str) -> None:
    """The overlay showed ``text`` and was displayed while it did (media events are queued
    tasks: the message may come a moment after the state it tells)."""
    shown: list[list[str]] = []
    for _ in range(300):
        shown = page.evaluate("window.kinoOverlay")
        if any(said == text and display != "none" for said, display in shown):
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the overlay never said {text!r}: {shown}")


def stored(page: Page, name: str, expected: str) -> None:
    """localStorage keeps ``expected`` for the player's preference ``name`` (soon)."""
    key = f"kino.player.{name}"
    for _ in range(300):
        if page.evaluate("(key) => localStorage.getItem(key)", key) == expected:
            return
        page.wait_for_timeout(100)
    assert page.evaluate("(key) => localStorage.getItem(key)", key) == expected


def choose_quality(page: Page, name: str) -> None:
    page.get_by_role("button", name="Quality", exact=True).click()
    page.get_by_role("menuitemradio", name=name, exact=True).click()


def test_the_quality_menu_lists_every_rendition_before_play_and_switches_on_the_fly(
    watching: Page, watched: Watched
) -> None:
    page = watching
    page.get_by_role("button", name="Quality", exact=True).click()
    for name in ("360p", "240p", "144p"):
        expect(page.get_by_role("menuitemradio", name=name, exact=True)).to_be_visible()
    expect(page.get_by_role("menuitemradio", name=re.compile(r"^Auto"))).to_be_checked()
    assert media_state(page)["paused"]  # listed before any play (PeerTube#4358)
    screenshot(page, "watch-quality-menu")

    page.get_by_role("menuitemradio", name="144p", exact=True).click()
    page.keyboard.press("k")
    wait_for_media(page, lambda s: not s["paused"] and s["height"] == 144, "144p playing")
    choose_quality(page, "360p")
    wait_for_media(page, lambda s: s["height"] == 360, "the switch to 360p while playing")
    assert not media_state(page)["paused"]
    stored(page, "quality", "360")

    page.reload()  # the choice is remembered
    wait_for_media(page, lambda s: s["ready"] >= 1, "metadata after the reload")
    page.keyboard.press("k")
    wait_for_media(page, lambda s: not s["paused"] and s["height"] == 360, "360p again")
    choose_quality(page, re.compile(r"^Auto"))
    stored(page, "quality", '"auto"')


def test_seek_bar_mute_pip_volume_speed_and_theater_controls(watching: Page) -> None:
    page = watching
    bar = page.get_by_role("slider", name="seek")
    box = bar.bounding_box()
    assert box
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    state = wait_for_media(page, lambda s: 12 < s["time"] < 18, "a click mid-bar seeks")
    assert state["paused"]

    page.get_by_role("button", name=re.compile(r"^mute$", re.I)).click()
    wait_for_media(page, lambda s: s["muted"], "muted")
    overlay_said(page, "Muted")
    page.get_by_role("button", name=re.compile(r"^unmute$", re.I)).click()
    wait_for_media(page, lambda s: not s["muted"], "unmuted")

    page.get_by_role("button", name=re.compile(r"^enter picture in picture", re.I)).click()
    expect(page.locator("#player")).to_have_attribute("mediaispip", "")
    assert page.evaluate("document.pictureInPictureElement?.id") == "media"
    page.get_by_role("button", name=re.compile(r"^exit picture in picture", re.I)).click()
    expect(page.locator("#player")).not_to_have_attribute("mediaispip", "")

    page.get_by_role("button", name=re.compile(r"^Playback rate", re.I)).click()
    page.get_by_role("menuitemradio", name=re.compile(r"^1\.5")).click()
    wait_for_media(page, lambda s: s["rate"] == 1.5, "speed 1.5")
    overlay_said(page, "Speed 1.5x")

    page.get_by_role("slider", name="volume").focus()
    page.keyboard.press("ArrowLeft")  # the slider keeps its arrows: no seek, the volume moves
    state = wait_for_media(page, lambda s: s["volume"] < 1, "volume lowered by the slider")
    assert 12 < state["time"] < 18
    stored(page, "volume", str(state["volume"]))
    stored(page, "rate", "1.5")
    page.get_by_role("button", name=re.compile(r"^mute$", re.I)).click()
    stored(page, "muted", "true")
    theater = page.get_by_role("button", name="Theater mode")
    theater.click()
    expect(page.locator("#watch")).to_have_class(re.compile(r"\btheater\b"))

    page.reload()  # volume, mute, speed and theater mode are remembered
    again = wait_for_media(page, lambda s: s["ready"] >= 1, "metadata after the reload")
    assert again["rate"] == 1.5 and again["volume"] == state["volume"] and again["muted"]
    expect(page.locator("#watch")).to_have_class(re.compile(r"\btheater\b"))
    expect(theater).to_have_attribute("aria-pressed", "true")
    screenshot(page, "watch-theater")


def test_youtube_keyboard_shortcuts(watching: Page) -> None:
    page, keys = watching, watching.keyboard
    keys.press(" ")
    wait_for_media(page, lambda s: not s["paused"], "Space plays")
    keys.press("k")
    start = wait_for_media(page, lambda s: s["paused"], "k pauses")["time"]

    def moved_to(expected: float, what: str) -> None:
        wait_for_media(page, lambda s: abs(s["time"] - expected) < 0.6, what)

    keys.press("l")
    moved_to(start + 10, "l: +10 s")
    keys.press("ArrowRight")
    moved_to(start + 15, "→: +5 s")
    keys.press("j")
    moved_to(start + 5, "j: -10 s")
    keys.press("ArrowLeft")
    moved_to(start, "←: -5 s")
    duration = media_state(page)["duration"]
    keys.press("5")
    moved_to(duration / 2, "5: half way")
    keys.press("0")
    moved_to(0, "0: the start")

    keys.press("ArrowDown")
    wait_for_media(page, lambda s: s["volume"] == pytest.approx(0.95), "↓: quieter")
    overlay_said(page, "Volume 95%")
    keys.press("ArrowUp")
    wait_for_media(page, lambda s: s["volume"] == pytest.approx(1.0), "↑: louder")
    keys.press("m")
    wait_for_media(page, lambda s: s["muted"], "m mutes")
    keys.press("m")
    wait_for_media(page, lambda s: not s["muted"], "m unmutes")
    keys.press(">")
    wait_for_media(page, lambda s: s["rate"] == 1.25, "> faster")
    overlay_said(page, "Speed 1.25x")
    keys.press("<")
    keys.press("<")
    wait_for_media(page, lambda s: s["rate"] == 0.75, "< slower")
    overlay_said(page, "Speed 0.75x")

    keys.press("t")
    expect(page.locator("#watch")).to_have_class(re.compile(r"\btheater\b"))
    expect(page.get_by_role("button", name="Theater mode")).to_have_attribute(
        "aria-pressed", "true"
    )
    keys.press("t")
    expect(page.locator("#watch")).not_to_have_class(re.compile(r"\btheater\b"))
    keys.press("f")
    _wait_fullscreen(page, True)
    keys.press("f")
    _wait_fullscreen(page, False)
    keys.press("c")
    overlay_said(page, "This video has no captions")

    keys.press("?")
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    for action in ("Play or pause", "Back / forward 10 seconds", "Mute or unmute", "Theater mode"):
        expect(dialog.get_by_role("row", name=action)).to_be_visible()
    keys.press("k")  # the list is open: keys do not reach the player
    assert media_state(page)["paused"]
    keys.press("Escape")
    expect(dialog).to_be_hidden()
    page.get_by_role("button", name="Keyboard shortcuts").focus()  # reachable by keyboard too
    keys.press("Enter")
    expect(dialog).to_be_visible()
    keys.press("Enter")  # on its Close button
    expect(dialog).to_be_hidden()

    # Typing in a field elsewhere on the page types; it does not control the player.
    search = page.get_by_label("Search videos")
    search.press_sequentially("kmf5 l?")
    expect(search).to_have_value("kmf5 l?")
    state = media_state(page)
    assert state["paused"] and not state["muted"] and state["time"] < 0.6
    expect(dialog).to_be_hidden()


def _wait_fullscreen(page: Page, on: bool) -> None:
    player = expect(page.locator("#player"))
    if on:
        player.to_have_attribute("mediaisfullscreen", "", timeout=30_000)
    else:
        player.not_to_have_attribute("mediaisfullscreen", "", timeout=30_000)
    assert page.evaluate("document.fullscreenElement?.id ?? null") == ("player" if on else None)


def test_hovering_the_seek_bar_previews_a_storyboard_tile(
    watching: Page, watched: Watched, tmp_path: Path
) -> None:
    page = watching
    assert watched.video["storyboardUrl"]
    cues = """[...document.getElementById('media').textTracks]
      .find((t) => t.label === 'thumbnails')?.cues?.length ?? 0"""
    for _ in range(600):
        if page.evaluate(cues) >= 30:
            break
        page.wait_for_timeout(100)
    assert page.evaluate(cues) == 30  # one tile a second
    bar = page.get_by_role("slider", name="seek")
    box = bar.bounding_box()
    assert box
    page.mouse.move(box["x"] + box["width"] * 0.7, box["y"] + box["height"] / 2)
    thumbnail = page.locator("media-preview-thumbnail[slot=preview]")
    expect(thumbnail).to_have_attribute("mediapreviewimage", re.compile(r"/storyboard\.jpg#xywh="))
    image = """() => {
      const thumbnail = document.querySelector('media-preview-thumbnail[slot=preview]');
      const img = thumbnail.shadowRoot.querySelector('img');
      return { src: img.src, width: img.naturalWidth, shown: getComputedStyle(img).display,
               visible: getComputedStyle(thumbnail).visibility };
    }"""
    for _ in range(600):
        shown = page.evaluate(image)
        if shown["width"] and shown["shown"] == "block" and shown["visible"] == "visible":
            break
        page.wait_for_timeout(100)
    assert shown["src"].endswith("/storyboard.jpg") and shown["width"] == 1600, shown
    assert shown["visible"] == "visible", shown
    coords = thumbnail.get_attribute("mediapreviewcoords") or ""
    x, y, w, h = (int(float(v)) for v in coords.split())
    at = page.evaluate("document.getElementById('player').mediaStore.getState().mediaPreviewTime")
    assert 18 < at < 24  # about 70 % of 30 s
    tile = int(at)  # one tile a second, ten a row
    assert (x, y, w, h) == ((tile % 10) * 160, (tile // 10) * 90, 160, 90)
    faded_in = """() => getComputedStyle(document.querySelector('media-time-range')
      .shadowRoot.querySelector('[part~="preview-box"]')).opacity === '1'"""
    for _ in range(100):  # the preview box fades in (for the screenshot)
        if page.evaluate(faded_in):
            break
        page.wait_for_timeout(100)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)  # the viewport: a full page loses the hover
    page.screenshot(path=str(SCREENSHOTS / "watch-storyboard-preview-1280.png"))


VIEW_COUNT = "query($id: ID!) { video(id: $id) { viewCount } }"


def view_reported(page: Page, expected: str) -> None:
    for _ in range(300):
        if page.evaluate("document.getElementById('media').dataset.viewReported") == expected:
            return
        page.wait_for_timeout(100)
    assert page.evaluate("document.getElementById('media').dataset.viewReported") == expected


def test_five_seconds_of_play_count_one_view_per_browser(
    watching: Page, site: Site, watched: Watched
) -> None:
    """A person who watches counts (the page reports it, anonymously here); the same browser
    again within the hour does not; the count reaches the read model and the page."""
    page = watching
    before = site.gql(VIEW_COUNT, {"id": watched.video_id})["video"]["viewCount"]
    page.keyboard.press("k")
    wait_for_media(page, lambda s: not s["paused"] and s["time"] > 2, "playing")
    assert page.evaluate("document.getElementById('media').dataset.viewReported") is None
    view_reported(page, "counted")
    assert media_state(page)["time"] >= 5

    page.reload()
    wait_for_media(page, lambda s: s["ready"] >= 1, "metadata after the reload")
    page.locator("#video-title").click()
    page.keyboard.press("k")
    view_reported(page, "seen")  # the same viewer within the hour: not again

    for _ in range(300):  # the projector folds pending views into PostgreSQL every poll
        after = site.gql(VIEW_COUNT, {"id": watched.video_id})["video"]["viewCount"]
        if after > before:
            break
        page.wait_for_timeout(100)
    assert after == before + 1
    page.reload()
    expect(page.locator("#watch")).to_contain_text(re.compile(rf"\b{after} views?\b"))
