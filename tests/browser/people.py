"""People for the browser tests: accounts made through the api (quick), then signed in
in their own browser context, as a person would."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page, expect

from tests.browser.conftest import unique
from tests.browser.site import Site

PASSWORD = "correct horse battery staple"
REGISTER = """mutation($e: String!, $h: String!, $p: String!, $d: String) {
  register(email: $e, handle: $h, password: $p, displayName: $d) { accessToken user { id } } }"""
CREATE_STREAM = """mutation($t: String!) { createLiveStream(title: $t) {
  ingestUrl streamKey stream { id } } }"""


@dataclass(frozen=True)
class Person:
    id: str
    handle: str
    name: str
    token: str


def person(site: Site, name: str | None = None) -> Person:
    handle = unique()
    name = name or f"Person {handle}"
    data = site.gql(REGISTER, {"e": f"{handle}@example.com", "h": handle, "p": PASSWORD, "d": name})
    payload = data["register"]
    return Person(payload["user"]["id"], handle, name, payload["accessToken"])


def signed_in_page(make_context: Any, site: Site, who: Person, path: str = "/") -> Page:
    """A new browser context signed in as ``who``, showing ``path``."""
    page: Page = make_context().new_page()
    page.goto(f"{site.url}/login?next={path}")
    page.get_by_label("Email or handle").fill(who.handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)
    expect(page).to_have_url(f"{site.url}{path}")
    return page


def stream_of(site: Site, owner: Person, title: str = "A stream") -> dict[str, Any]:
    created: dict[str, Any] = site.gql(CREATE_STREAM, {"t": title}, token=owner.token)
    return created["createLiveStream"]
