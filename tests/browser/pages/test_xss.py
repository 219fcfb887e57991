"""Markup typed by people (a title, a description, a display name, comments and replies)
shows as those very characters on every page that shows it, and runs nothing: no dialog, no
element made from it, no Content-Security-Policy report (the `context` fixture fails the
test on one)."""

from __future__ import annotations

from urllib.parse import quote

from playwright.sync_api import Page, expect

from tests.browser.pages.conftest import (
    HOSTILE_NAME,
    HOSTILE_TEXT,
    HOSTILE_TITLE,
    Dialogs,
    Library,
    settled,
    visit,
)
from tests.browser.site import Site
from tests.browser.test_accounts import sign_in

INJECTED = "img[src='x'], body script, b"  # what the payloads would make if parsed as HTML


def nothing_injected(page: Page) -> None:
    # Playwright's CSS pierces shadow roots (media-chrome's have <b> and the like): the
    # page's own elements are checked in the document, an <img src=x> anywhere.
    expect(page.locator("img[src='x']")).to_have_count(0)
    assert page.evaluate(f"document.querySelectorAll({INJECTED!r}).length") == 0


def shown_literally(page: Page, text: str) -> None:
    """``text`` (whose lines may be split across elements) is on the page as text."""
    for line in text.splitlines():
        expect(page.get_by_text(line, exact=False).first).to_be_visible()


def test_markup_shows_as_text_on_every_page(
    page: Page, site: Site, library: Library, dialogs: Dialogs
) -> None:
    hostile = library.hostile
    watch = f"{site.url}/watch/{library.hostile_video}"
    pages = {
        f"{site.url}/": [HOSTILE_TITLE, HOSTILE_NAME],
        f"{site.url}/search?q={quote('Hostile')}": [HOSTILE_TITLE, HOSTILE_NAME],
        f"{site.url}/channel/{hostile.handle}": [HOSTILE_TITLE, HOSTILE_NAME],
        watch: [HOSTILE_TITLE, HOSTILE_NAME, HOSTILE_TEXT],
        f"{site.url}/embed/{library.hostile_video}": [HOSTILE_TITLE],
    }
    for url, texts in pages.items():
        visit(page, url)
        for text in texts:
            shown_literally(page, text)
        nothing_injected(page)
    visit(page, watch)
    expect(page).to_have_title(f"{HOSTILE_TITLE} - Kino")
    description = page.locator(".description")
    expect(description).to_have_text(HOSTILE_TEXT)

    # Comments the page's script renders: replies it loads, and one posted in the page.
    thread = page.locator("#comment-list > li").first
    expect(thread.locator(":scope > .comment-body")).to_have_text(HOSTILE_TEXT)
    thread.get_by_role("button", name="1 reply").click()
    reply = thread.locator(".reply-list > li")
    expect(reply.locator(".comment-body")).to_have_text(HOSTILE_TEXT)
    expect(reply.locator(".comment-author")).to_have_text(HOSTILE_NAME)
    nothing_injected(page)

    sign_in(page, site, hostile.handle)
    page.wait_for_url(f"{site.url}/")
    settled(page)
    expect(page.locator("#account-name")).to_have_text(HOSTILE_NAME)
    nothing_injected(page)
    visit(page, watch)
    page.get_by_label("Add a comment").fill(HOSTILE_TEXT)
    page.get_by_role("button", name="Comment", exact=True).click()
    mine = page.locator("#comment-list > li").first
    expect(mine.locator(":scope > .comment-actions")).to_be_visible()
    expect(mine.locator(":scope > .comment-body")).to_have_text(HOSTILE_TEXT)
    mine.locator(":scope > .comment-actions").get_by_role("button", name="Edit").click()
    expect(page.get_by_label("Edit your comment")).to_have_value(HOSTILE_TEXT)
    nothing_injected(page)

    # The studio lists the person's own videos.
    visit(page, f"{site.url}/studio")
    shown_literally(page, HOSTILE_TITLE)
    nothing_injected(page)
