"""axe-core on every page, signed out and signed in, at 1280 and 375 px wide, in the light
and the dark color scheme: no serious or critical violation. Each page is screenshotted as
it is checked (test-artifacts/screenshots, for a reviewer to look at)."""

from __future__ import annotations

import uuid
from typing import Literal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import screenshot
from tests.browser.pages.conftest import Library, settled, visit
from tests.browser.site import Site
from tests.browser.test_accounts import sign_in

WIDTHS = {1280: 800, 375: 812}
SERIOUS = ("serious", "critical")
AXE = Axe()


def every_page(site: Site, library: Library) -> dict[str, str]:
    return {
        "home": f"{site.url}/",
        "search": f"{site.url}/search?q=harbour",
        "watch": f"{site.url}/watch/{library.public}",
        "channel": f"{site.url}/channel/{library.owner.handle}",
        "upload": f"{site.url}/upload",
        "studio": f"{site.url}/studio",
        "login": f"{site.url}/login",
        "register": f"{site.url}/register",
        "embed": f"{site.url}/embed/{library.public}",
        "not-found": f"{site.url}/channel/nobody-{uuid.uuid4().hex[:8]}",
        "watch-not-found": f"{site.url}/watch/{uuid.uuid4()}",
    }


def prepare(page: Page, name: str) -> None:
    """Show what the page's script adds: on the watch page, a thread's replies."""
    if name == "watch":
        toggle = page.get_by_role("button", name="2 replies")
        toggle.click()
        expect(page.locator(".reply-list > li")).to_have_count(2)
        page.locator("#media").evaluate("media => media.pause && media.pause()")
    page.evaluate("window.scrollTo(0, 0)")  # a sticky header is drawn where the page was


def serious_violations(page: Page) -> list[str]:
    found = AXE.run(page).response["violations"]
    return [
        f"{rule['id']} ({rule['impact']}): {rule['help']} at "
        + ", ".join(str(node["target"]) for node in rule["nodes"][:4])
        for rule in found
        if rule["impact"] in SERIOUS
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("signed_in", [False, True], ids=["signed-out", "signed-in"])
def test_every_page_is_accessible(
    page: Page, site: Site, library: Library, signed_in: bool, scheme: Literal["light", "dark"]
) -> None:
    page.emulate_media(color_scheme=scheme)
    if signed_in:
        sign_in(page, site, library.owner.handle)
        page.wait_for_url(f"{site.url}/")
        settled(page)
    state = "signed-in" if signed_in else "signed-out"
    problems: list[str] = []
    for name, url in every_page(site, library).items():
        for width, height in WIDTHS.items():
            page.set_viewport_size({"width": width, "height": height})
            visit(page, url)
            prepare(page, name)
            shot = screenshot(page, f"{name}-{state}-{scheme}")
            problems += [
                f"{name} {width}px: {problem} ({shot.name})" for problem in serious_violations(page)
            ]
    assert problems == [], "\n".join(problems)
