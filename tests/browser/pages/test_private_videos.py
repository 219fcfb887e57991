"""A PRIVATE video on /watch: the server renders "Not found" (a navigation carries no access
token); the page asks again with the signed-in user's token, and only its owner gets the
video: player, details and comments, as on any other video's page. (A stranger keeps "not
found": tests/browser/test_private.py.)"""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.browser.pages.conftest import Library, settled, visit
from tests.browser.site import Site
from tests.browser.test_accounts import sign_in

FIRST_FRAME = """async () => {
  const media = document.getElementById('media');
  media.muted = true;
  await media.play();
  while (!(media.currentTime > 0 && media.readyState >= 2)) {
    await new Promise((resolve) => requestAnimationFrame(resolve));
  }
  return media.videoHeight;
}"""


def test_the_owner_watches_their_private_video(page: Page, site: Site, library: Library) -> None:
    sign_in(page, site, library.owner.handle)
    page.wait_for_url(f"{site.url}/")
    settled(page)
    visit(page, f"{site.url}/watch/{library.private}")
    expect(page.get_by_role("heading", name="My private rehearsal")).to_be_visible()
    expect(page.locator(".video-details .badge")).to_have_text("Private")
    expect(page).to_have_title("My private rehearsal - Kino")
    assert page.evaluate(FIRST_FRAME) > 0  # its media (with the owner's media token) plays
    # The owner may comment on it like on any other video.
    page.get_by_label("Add a comment").fill("Note to self: redo the intro")
    page.get_by_role("button", name="Comment", exact=True).click()
    expect(page.locator("#comment-list")).to_contain_text("Note to self: redo the intro")
    expect(page.locator("#comment-count")).to_have_text("1 comment")


def test_the_page_renders_for_a_user_only_when_asked_with_their_token(
    site: Site, library: Library
) -> None:
    url = f"{site.url}/watch/{library.private}"
    anonymous = httpx.get(url)
    assert anonymous.status_code == 404 and "My private rehearsal" not in anonymous.text
    assert "<title>Not found - Kino</title>" in anonymous.text  # as every missing page's tab
    assert "Authorization" in anonymous.headers["vary"]
    owners = httpx.get(url, headers={"Authorization": f"Bearer {library.owner.token}"})
    assert owners.status_code == 200 and "My private rehearsal" in owners.text
    assert owners.headers["cache-control"] == "private, no-store"
    assert "token=" in owners.text  # its media URLs carry the owner's media token
    expired = httpx.get(url, headers={"Authorization": "Bearer not-a-token"})
    assert expired.status_code == 401 and "My private rehearsal" not in expired.text
