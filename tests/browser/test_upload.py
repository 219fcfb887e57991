"""The upload page: a new user uploads a clip with tus and watches it; an upload survives going
offline, a reload (continued from the server's offset, not from 0) and a refused upload URL
(renewed); mistakes are explained next to the form."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.clips import noisy_clip
from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.uploading import (
    READY,
    SMALL_CHUNKS,
    WAIT_MS,
    PatchGate,
    choose,
    no_serious_accessibility_problems,
    play_a_little,
    record_texts,
    reload,
    remembered,
    server_offset,
    sign_up,
    start_upload,
    stored_digest,
    uploaded_all,
)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return noisy_clip(tmp_path_factory.mktemp("clips"))


def test_a_new_user_uploads_a_clip_and_watches_it(page: Page, site: Site, clip: Path) -> None:
    sign_up(page, site)
    page.goto(f"{site.url}/upload")
    choose(page, clip)
    expect(page.get_by_label("Title")).to_have_value("holiday by the sea")  # from the file name
    page.get_by_label("Title").fill("A day at the sea")
    page.get_by_label("Description").fill("Waves, <b>noise</b> and a tone.")
    page.get_by_label("Visibility").select_option("PUBLIC")
    screenshot(page, "upload-form")
    no_serious_accessibility_problems(page)
    processing = record_texts(page, "#processing-status")
    page.get_by_role("button", name="Upload", exact=True).click()

    uploaded_all(page)
    watch = page.get_by_role("link", name="Watch")
    expect(watch).to_be_visible(timeout=WAIT_MS)  # as soon as the first rendition plays
    screenshot(page, "upload-processing")
    expect(page.locator("#processing-status")).to_have_text(READY, timeout=WAIT_MS)
    expect(page.locator("#processing-bar")).to_have_js_property("value", 100)
    assert any(text.startswith("Making ") for text in processing()), processing()
    screenshot(page, "upload-ready")
    no_serious_accessibility_problems(page)
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "upload-ready")  # a phone's width

    watch.click()
    expect(page).to_have_url(re.compile(r"/watch/[0-9a-f-]{36}$"))
    expect(page.locator("#video-title")).to_have_text("A day at the sea")
    assert play_a_little(page) >= 0.5


def test_an_upload_cut_by_going_offline_resumes_when_back_online(
    page: Page, context: BrowserContext, site: Site, clip: Path
) -> None:
    context.add_init_script(SMALL_CHUNKS)
    sign_up(page, site)
    gate = PatchGate(page, passing=4)
    start_upload(page, site, clip, "Cut by the network")
    gate.wait_until_holding()  # four chunks are on the server, the fifth is on its way
    context.set_offline(True)
    gate.held[0].abort("internetdisconnected")
    expect(page.locator("#upload-state")).to_contain_text("You are offline")
    expect(page.get_by_role("button", name="Pause")).to_be_visible()
    screenshot(page, "upload-offline")

    gate.open()
    context.set_offline(False)  # the page continues by itself
    expect(page.locator("#upload-resumed")).to_contain_text("Continued at")
    uploaded_all(page)
    expect(page.locator("#processing-status")).to_have_text(READY, timeout=WAIT_MS)
    video_id = page.get_by_role("link", name="Watch").get_attribute("href").rpartition("/")[2]
    assert stored_digest(site, video_id) == hashlib.sha256(clip.read_bytes()).digest()


def test_a_reload_mid_upload_continues_from_the_servers_offset(
    page: Page, context: BrowserContext, site: Site, clip: Path
) -> None:
    context.add_init_script(SMALL_CHUNKS)
    sign_up(page, site)
    gate = PatchGate(page, passing=6)
    start_upload(page, site, clip, "Reloaded halfway")
    gate.wait_until_holding()
    gate.open()
    reload(page)  # the held chunk never reaches the server
    entry = remembered(page)
    offset = server_offset(page, entry["tusUrl"])
    assert 0 < offset < clip.stat().st_size

    expect(page.locator("#unfinished")).to_contain_text("holiday_by_the_sea.mp4")
    sent_from: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent_from.append(request.headers["upload-offset"])
            if request.method == "PATCH"
            else None
        ),
    )
    choose(page, clip)
    offer = page.locator("#resume-text")
    expect(offer).to_contain_text("You started uploading this file as “Reloaded halfway”")
    expect(offer).to_contain_text(f"{offset * 100 // clip.stat().st_size} %")
    expect(page.get_by_role("button", name="Upload", exact=True)).to_be_disabled()
    screenshot(page, "upload-continue-offer")
    no_serious_accessibility_problems(page)
    page.get_by_role("button", name="Continue upload").click()

    uploaded_all(page)
    assert sent_from[0] == str(offset)  # not 0: the bytes already sent are not sent again
    expect(page.locator("#upload-resumed")).to_contain_text("Continued at")
    expect(page.locator("#processing-status")).to_have_text(READY, timeout=WAIT_MS)
    assert stored_digest(site, entry["videoId"]) == hashlib.sha256(clip.read_bytes()).digest()
    assert page.evaluate("localStorage.getItem('kino.uploads')") == "{}"


def test_a_refused_upload_url_is_renewed_and_the_upload_continues(
    page: Page, context: BrowserContext, site: Site, clip: Path
) -> None:
    """An upload URL that no longer works (here: a forged token) is replaced by
    renewVideoUpload; the bytes already on the server stay."""
    context.add_init_script(SMALL_CHUNKS)
    sign_up(page, site)
    gate = PatchGate(page, passing=3)
    start_upload(page, site, clip, "Renewed", visibility="PRIVATE")
    gate.wait_until_holding()
    gate.open()
    reload(page)
    entry = remembered(page)
    offset = server_offset(page, entry["tusUrl"])
    forged = entry["tusUrl"].partition("?token=")[0] + "?token=forged"
    page.evaluate(
        "([url]) => { const all = JSON.parse(localStorage.getItem('kino.uploads'));"
        " for (const entry of Object.values(all)) entry.tusUrl = url;"
        " localStorage.setItem('kino.uploads', JSON.stringify(all)); }",
        [forged],
    )
    reload(page)
    sent_from: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent_from.append(request.headers["upload-offset"])
            if request.method == "PATCH"
            else None
        ),
    )
    choose(page, clip)
    expect(page.locator("#resume-text")).to_contain_text("Continue where it stopped?")
    page.get_by_role("button", name="Continue upload").click()
    uploaded_all(page)
    assert sent_from[0] == str(offset)


def test_a_dropped_file_and_mistakes_are_explained_next_to_the_form(
    page: Page, site: Site, tmp_path: Path
) -> None:
    sign_up(page, site)
    page.goto(f"{site.url}/upload")
    upload = page.get_by_role("button", name="Upload", exact=True)
    upload.click()
    expect(page.locator("#upload-error")).to_have_text("Choose a video file to upload.")
    dropped = page.evaluate_handle(
        "() => { const data = new DataTransfer();"
        " data.items.add(new File(['abc'], 'my_dropped_clip.webm', { type: 'video/webm' }));"
        " return data; }"
    )
    page.locator("#drop-zone").dispatch_event("drop", {"dataTransfer": dropped})
    expect(page.get_by_label("Title")).to_have_value("my dropped clip")
    assert page.evaluate("document.getElementById('upload-file').files[0].name") == (
        "my_dropped_clip.webm"
    )
    notes = tmp_path / "notes.txt"
    notes.write_text("not a video")
    choose(page, notes)
    page.get_by_label("Title").fill("")
    upload.click()
    expect(page.locator("#upload-error")).to_have_text("Give the video a title.")
    expect(page.get_by_label("Title")).to_be_focused()
    page.get_by_label("Title").fill("My notes")
    upload.click()  # the server refuses the type; its error names the field
    expect(page.locator("#upload-error")).to_contain_text("Upload a video or audio file")
    expect(page.get_by_label("Video file")).to_have_attribute("aria-invalid", "true")
    screenshot(page, "upload-refused")


def test_pause_and_resume(page: Page, context: BrowserContext, site: Site, clip: Path) -> None:
    context.add_init_script(SMALL_CHUNKS)
    sign_up(page, site)
    gate = PatchGate(page, passing=2)
    start_upload(page, site, clip, "Paused a while")
    gate.wait_until_holding()
    expect(page.locator("#upload-numbers")).to_contain_text(re.compile(r"B/s · about .+ left"))
    page.get_by_role("button", name="Pause").click()
    expect(page.locator("#upload-state")).to_have_text("Paused. Press Resume to continue.")
    offset = server_offset(page, remembered(page)["tusUrl"])
    assert offset > 0
    gate.open()
    sent_from: list[str] = []
    page.on(
        "request",
        lambda request: (
            sent_from.append(request.headers["upload-offset"])
            if request.method == "PATCH"
            else None
        ),
    )
    page.get_by_role("button", name="Resume").click()
    uploaded_all(page)
    assert sent_from[0] == str(offset)
