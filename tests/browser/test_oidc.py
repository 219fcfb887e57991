"""Signing in with an OpenID Connect provider from the login page: a real provider
(oidc-provider), its own login and consent pages, and back to Kino signed in."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import PROVIDER, unique
from tests.browser.site import Site


def test_sign_in_with_the_provider_then_out(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/login?next=/upload")
    page.get_by_role("button", name=f"Sign in with {PROVIDER}").click()
    # The provider's own pages (devInteractions: any password is accepted).
    login = unique("oidc")
    page.wait_for_url(re.compile(r"/interaction/"))
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # consent
    expect(page).to_have_url(f"{site.url}/upload", timeout=30_000)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#account-name")).not_to_be_empty()
    assert "code=" not in page.url

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    page.get_by_role("button", name="Sign out").click()
    # The account menu offers signing in again (the upload page's own prompt may too).
    account = page.get_by_role("navigation", name="Your account")
    expect(account.get_by_role("link", name="Sign in")).to_be_visible()


def test_a_callback_this_browser_did_not_start_is_refused(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/auth/callback?code=abc&state=def&iss=x")
    expect(page.locator("#auth-status")).to_contain_text("not started in this browser")
    expect(page).to_have_url(f"{site.url}/login")
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def test_the_providers_refusal_is_shown(page: Page, site: Site) -> None:
    page.goto(f"{site.url}/auth/callback?error=access_denied&error_description=You+said+no")
    expect(page.locator("#auth-status")).to_have_text(
        "The provider did not sign you in: You said no."
    )
