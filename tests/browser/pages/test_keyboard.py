"""Every control of every page is reachable with the Tab key (signed out and in; on the watch
page with a thread's replies open, so the controls the comments' script adds count too)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.browser.pages.conftest import Library, settled, visit
from tests.browser.pages.test_accessibility import every_page, prepare
from tests.browser.site import Site
from tests.browser.test_accounts import sign_in

# The page's visible controls that take focus, each marked with a number; returns their names.
# The page's visible controls (natively interactive, or by role, or focusable), each marked
# with a number; returns their names. One that cannot take focus is never reached.
CONTROLS = """() => [...document.querySelectorAll(`a[href], button, input, select, textarea, summary,
    [tabindex], [role=button], [role=link], [role=checkbox], [role=switch], [role=slider],
    [role=tab], [role=menuitem], [role=option]`)]
  .filter((e) => !e.disabled && e.getClientRects().length > 0
                 && !e.closest('[hidden], [inert], [aria-hidden="true"]')
                 && getComputedStyle(e).visibility !== 'hidden'
                 && !e.matches(`[tabindex="-1"]:not(a[href], button, input, select, textarea,
                                [role])`))  // a target for focus(), such as <main>
  .map((e, i) => {
    e.dataset.kinoControl = String(i);
    return `${e.localName}${e.id ? '#' + e.id : ''} "${(e.getAttribute('aria-label')
      || e.textContent || e.name || '').trim().slice(0, 40)}"`;
  })"""
REACHED = """() => {
  const focused = document.activeElement;
  if (!focused || focused === document.body) return null;
  focused.dataset.kinoReached = '';
  return focused.dataset.kinoControl ?? '';
}"""
# Tab from the top of the page (blur() alone leaves Chromium's starting point where it was).
START = """() => {
  const start = document.createElement('span');
  start.tabIndex = -1;
  document.body.prepend(start);
  start.focus();
}"""
MISSED = """() => [...document.querySelectorAll('[data-kino-control]:not([data-kino-reached])')]
  .map((e) => e.dataset.kinoControl)"""


def unreachable(page: Page) -> list[str]:
    """The controls that Tab never reached, going once around the page."""
    names = page.evaluate(CONTROLS)
    page.evaluate(START)
    reached: set[str] = set()
    for _ in range(3 * len(names) + 20):
        page.keyboard.press("Tab")
        control = page.evaluate(REACHED)
        if control is None and reached:
            break  # back to the start: once around
        if control:
            reached.add(control)
        if len(reached) == len(names):
            break
    return [names[int(number)] for number in page.evaluate(MISSED)]


@pytest.mark.parametrize(
    ("signed_in", "width"),
    [(False, 1280), (True, 1280), (True, 375)],
    ids=["signed-out", "signed-in", "signed-in-phone"],
)
def test_every_control_is_reachable_by_keyboard(
    page: Page, site: Site, library: Library, signed_in: bool, width: int
) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    if signed_in:
        sign_in(page, site, library.owner.handle)
        page.wait_for_url(f"{site.url}/")
        settled(page)
    missed: list[str] = []
    for name, url in every_page(site, library).items():
        visit(page, url)
        prepare(page, name)
        missed += [f"{name}: {control}" for control in unreachable(page)]
    assert missed == [], "\n".join(missed)
