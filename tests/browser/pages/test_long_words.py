"""A title, a display name and a comment that are each one long word (as long as Kino lets
them be) break inside their box: no page becomes wider than the window, on a desktop or a
phone. A newcomer's 200-letter title once made the home page 3,546 px wide."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages.conftest import LONG_NAME, LONG_TITLE, LONG_WORD, Library, visit
from tests.browser.site import Site

WIDER_THAN_THE_WINDOW = "document.documentElement.scrollWidth - window.innerWidth"


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (390, 844)], ids=["desktop", "phone"])
def test_one_long_word_breaks_inside_its_box_on_every_page(
    page: Page, site: Site, library: Library, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    pages = {
        "home": f"{site.url}/",
        "search": f"{site.url}/search?q={quote(LONG_TITLE)}",
        "channel": f"{site.url}/channel/{library.long_named.handle}",
        "watch": f"{site.url}/watch/{library.long_words}",
    }
    for name, url in pages.items():
        visit(page, url)
        expect(page.get_by_text(LONG_TITLE).first).to_be_visible()
        if name != "search":
            expect(page.get_by_text(LONG_NAME).first).to_be_visible()
        if name == "watch":
            expect(page.locator(".comment-body").filter(has_text=LONG_WORD)).to_be_visible()
        screenshot(page, f"long-words-{name}")
        assert page.evaluate(WIDER_THAN_THE_WINDOW) <= 0, f"{name} scrolls sideways"
