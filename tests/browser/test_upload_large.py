"""A file larger than GraphQL's Int (2 GiB) is created through tus creation (POST /uploads/tus
with the access token and Upload-Metadata) and sent like any other. The file is sparse: only
its first chunk is sent before the test deletes the video, which the page then reports."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.site import Site
from tests.browser.uploading import (
    SMALL_CHUNKS,
    TUS,
    PatchGate,
    api_token,
    remembered,
    sign_up,
    start_upload,
)

VIDEO = "query($id: ID!) { video(id: $id) { title status visibility } }"
DELETE = "mutation($id: ID!) { deleteVideo(id: $id) }"
SIZE = 2**31 + 1024


def test_a_file_over_two_gib_is_created_with_tus(
    page: Page, context: BrowserContext, site: Site, tmp_path: Path
) -> None:
    recording = tmp_path / "long_recording.mp4"
    with recording.open("wb") as sparse:
        sparse.truncate(SIZE)
    context.add_init_script(SMALL_CHUNKS)
    token = api_token(site, sign_up(page, site))
    gate = PatchGate(page, passing=1)
    start_upload(page, site, recording, "A long recording", visibility="UNLISTED")
    gate.wait_until_holding()

    entry = remembered(page)
    state = page.request.head(entry["tusUrl"], headers=TUS)
    assert state.headers["upload-length"] == str(SIZE)
    assert state.headers["upload-offset"] == str(256 * 1024)
    video = site.gql(VIDEO, {"id": entry["videoId"]}, token)["video"]
    assert video == {
        "title": "A long recording",
        "status": "AWAITING_UPLOAD",
        "visibility": "UNLISTED",
    }

    site.gql(DELETE, {"id": entry["videoId"]}, token)
    gate.held[0].abort()  # the chunk fails; the retry finds the upload gone
    expect(page.locator("#transfer-error")).to_contain_text(
        "This upload was cancelled or has failed"
    )
    assert page.evaluate("localStorage.getItem('kino.uploads')") == "{}"
