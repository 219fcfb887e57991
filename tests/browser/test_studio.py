"""The studio: my videos with their state, processing followed live, inline edits, deletion
with a confirmation and "Load more"; another person sees none of a PRIVATE video."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.clips import MIB, noisy_clip
from tests.browser.conftest import screenshot
from tests.browser.site import Site
from tests.browser.uploading import (
    READY,
    TUS,
    WAIT_MS,
    api_token,
    choose,
    no_serious_accessibility_problems,
    record_texts,
    reload,
    sign_up,
    stored_digest,
    uploaded_all,
)

CREATE = """mutation($title: String!, $size: Int!, $visibility: Visibility) {
  createVideoUpload(title: $title, filename: "sea.mp4", sizeBytes: $size,
                    contentType: "video/mp4", visibility: $visibility) {
    uploadUrl uploadHeaders { name value } tusUrl video { id } } }"""
COMPLETE = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { id } }"
VIDEO = "query($id: ID!) { video(id: $id) { id title } }"


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return noisy_clip(tmp_path_factory.mktemp("clips"))


def create_upload(
    site: Site, token: str, title: str, size: int, visibility: str = "PUBLIC"
) -> dict[str, Any]:
    variables = {"title": title, "size": size, "visibility": visibility}
    return dict(site.gql(CREATE, variables, token)["createVideoUpload"])


def send_bytes(site: Site, token: str, upload: dict[str, Any], clip: Path) -> None:
    headers = {header["name"]: header["value"] for header in upload["uploadHeaders"]}
    answer = httpx.put(upload["uploadUrl"], content=clip.read_bytes(), headers=headers, timeout=60)
    assert answer.status_code == 200, answer.text
    site.gql(COMPLETE, {"id": upload["video"]["id"]}, token)


def test_my_videos_follow_processing_and_are_edited_and_deleted(
    page: Page, site: Site, clip: Path, other_person: Any
) -> None:
    handle = sign_up(page, site)
    token = api_token(site, handle)
    upload = create_upload(site, token, "Sea, private", clip.stat().st_size, "PRIVATE")
    video_id = upload["video"]["id"]
    page.goto(f"{site.url}/studio")
    row = page.locator(f'tr[data-video-id="{video_id}"]')
    expect(row).to_contain_text("Waiting for the upload")
    expect(row).to_contain_text("Private")

    statuses = record_texts(page, f'tr[data-video-id="{video_id}"]')
    send_bytes(site, token, upload, clip)  # the studio follows it without a reload
    expect(row.locator(".studio-status")).to_have_text("Ready", timeout=WAIT_MS)
    expect(row.locator("img")).to_be_visible()
    assert any("Making " in text for text in statuses()), statuses()
    screenshot(page, "studio")
    no_serious_accessibility_problems(page)
    page.set_viewport_size({"width": 375, "height": 800})
    screenshot(page, "studio")  # a phone's width
    page.set_viewport_size({"width": 1280, "height": 720})

    row.get_by_role("button", name="Edit").click()
    editor = page.get_by_role("form", name="Edit “Sea, private”")
    editor.get_by_label("Title").fill("")
    editor.get_by_role("button", name="Save").click()
    expect(editor.get_by_role("alert")).to_have_text("A video needs a title.")
    editor.get_by_label("Title").fill("The sea, <i>renamed</i>")
    editor.get_by_label("Description").fill("Now with a description.")
    screenshot(page, "studio-edit")
    no_serious_accessibility_problems(page)
    editor.get_by_role("button", name="Save").click()
    expect(editor).to_have_count(0)
    expect(row.get_by_role("link", name="The sea, <i>renamed</i>")).to_be_visible()
    reload(page)
    expect(row.get_by_role("link", name="The sea, <i>renamed</i>")).to_be_visible()
    expect(row).to_contain_text("Private")

    other = other_person().new_page()
    sign_up(other, site)
    other.goto(f"{site.url}/studio")
    expect(other.locator("#my-videos-empty")).to_be_visible()
    expect(other.locator("#my-videos-body tr")).to_have_count(0)
    other.goto(f"{site.url}/watch/{video_id}")
    expect(other.get_by_role("heading", name="Not found")).to_be_visible()
    other.goto(f"{site.url}/channel/{handle}")
    expect(other.get_by_text("The sea")).to_have_count(0)

    row.get_by_role("button", name="Delete").click()
    expect(row).to_contain_text("This cannot be undone.")
    row.get_by_role("button", name="Keep it").click()
    expect(row.get_by_role("button", name="Edit")).to_be_visible()
    row.get_by_role("button", name="Delete").click()
    screenshot(page, "studio-delete")
    no_serious_accessibility_problems(page)
    row.get_by_role("button", name="Delete for good").click()
    expect(row).to_have_count(0)
    expect(page.locator("#my-videos-empty")).to_be_visible()
    reload(page)
    expect(page.locator("#my-videos-empty")).to_be_visible()
    assert site.gql(VIDEO, {"id": video_id}, token)["video"] is None


def test_load_more_shows_the_rest_of_my_videos(page: Page, site: Site) -> None:
    token = api_token(site, sign_up(page, site))
    titles = [f"Clip number {number}" for number in range(21)]
    for title in titles:
        create_upload(site, token, title, 1000)
    page.goto(f"{site.url}/studio")
    rows = page.locator("#my-videos-body tr")
    expect(rows).to_have_count(20)
    expect(rows.first).to_contain_text("Clip number 20")  # newest first
    more = page.get_by_role("button", name="Load more")
    more.click()
    expect(rows).to_have_count(21)
    expect(rows.last).to_contain_text(re.compile(r"Clip number 0$|Clip number 0\b"))
    expect(more).to_be_hidden()


def test_an_upload_started_elsewhere_is_continued_from_the_studio(
    page: Page, site: Site, clip: Path, tmp_path: Path
) -> None:
    """Another device sent the first MiB with tus; this browser never saw the upload. The
    studio's "Continue it" leads to the upload page, which renews the upload's URLs
    (renewVideoUpload) and sends the rest of the chosen file."""
    token = api_token(site, sign_up(page, site))
    upload = create_upload(site, token, "Started on my phone", clip.stat().st_size)
    headers = {**TUS, "Content-Type": "application/offset+octet-stream", "Upload-Offset": "0"}
    sent = httpx.patch(upload["tusUrl"], content=clip.read_bytes()[:MIB], headers=headers)
    assert sent.status_code == 204, sent.text

    page.goto(f"{site.url}/studio")
    page.get_by_role("link", name="Continue it").click()
    expect(page.locator("#continue-note")).to_contain_text("“Started on my phone”")
    other_file = tmp_path / "other.mp4"
    other_file.write_bytes(b"not the same file")
    choose(page, other_file)
    expect(page.locator("#upload-error")).to_contain_text("This is not the file")
    offsets: list[str] = []
    page.on(
        "request",
        lambda r: offsets.append(r.headers["upload-offset"]) if r.method == "PATCH" else None,
    )
    choose(page, clip)
    expect(page.locator("#resume-text")).to_contain_text("as “Started on my phone”")
    page.get_by_role("button", name="Continue upload").click()
    uploaded_all(page)
    assert offsets[0] == str(MIB)
    expect(page.locator("#processing-status")).to_have_text(READY, timeout=WAIT_MS)
    assert stored_digest(site, upload["video"]["id"]) == hashlib.sha256(clip.read_bytes()).digest()
