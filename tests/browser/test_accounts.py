"""Signing up, in and out in the browser; the session survives a reload, and no script can
read the refresh token."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from kino.domain.identity import (
    MAX_DISPLAY_NAME_LENGTH,
    MAX_HANDLE_LENGTH,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
)
from tests.browser.conftest import screenshot, unique
from tests.browser.site import Site

PASSWORD = "correct horse battery staple"


def register(page: Page, site: Site, handle: str, display_name: str | None = None) -> None:
    page.goto(f"{site.url}/register")
    page.get_by_label("Email").fill(f"{handle}@example.com")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Display name").fill(display_name or f"Person {handle}")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{site.url}/", timeout=30_000)  # the home page, signed in
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)


def sign_out(page: Page, site: Site) -> None:
    with page.expect_navigation(url=f"{site.url}/"):
        page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()


def sign_in(page: Page, site: Site, login: str, password: str = PASSWORD) -> None:
    page.goto(f"{site.url}/login")
    page.get_by_label("Email or handle").fill(login)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()


def test_register_reload_sign_out_and_sign_in_again(page: Page, site: Site) -> None:
    handle = unique()
    register(page, site, handle, "Ada Lovelace")
    expect(page).to_have_url(f"{site.url}/")
    expect(page.locator("#account-name")).to_have_text("Ada Lovelace")

    page.reload()
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    expect(page.locator("#account-name")).to_have_text("Ada Lovelace")

    cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
    refresh = cookies["kino_refresh"]
    assert refresh["httpOnly"] and refresh["sameSite"] == "Strict" and refresh["path"] == "/auth"
    assert "kino_refresh" not in page.evaluate("document.cookie")
    assert all(PASSWORD not in value for value in page.evaluate("Object.values(localStorage)"))

    sign_out(page, site)
    page.reload()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    # The session ended on the server: the old refresh cookie no longer works.
    answer = page.request.post(
        f"{site.url}/auth/refresh",
        headers={"Kino-Session": "cookie", "Cookie": f"kino_refresh={refresh['value']}"},
    )
    assert answer.status == 401

    sign_in(page, site, handle)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible(timeout=30_000)


def test_wrong_password_and_taken_handle_are_shown_in_words(page: Page, site: Site) -> None:
    handle = unique()
    register(page, site, handle)
    sign_out(page, site)

    sign_in(page, site, handle, "not the password")
    expect(page.locator("#login-error")).to_have_text(re.compile("Wrong email, handle or password"))
    screenshot(page, "login-refused")

    page.goto(f"{site.url}/register")
    page.get_by_label("Email").fill(f"other-{handle}@example.com")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#register-error")).to_contain_text("taken")


def test_the_registration_form_says_the_rules_the_server_checks(page: Page, site: Site) -> None:
    """A newcomer read "At least 8 characters" and was refused for 9: the hints and the
    field limits come from the rules the server applies."""
    page.goto(f"{site.url}/register")
    expect(page.locator("#password-help")).to_have_text(
        f"At least {MIN_PASSWORD_LENGTH} characters, at most {MAX_PASSWORD_LENGTH}."
    )
    expect(page.get_by_label("Password")).to_have_attribute("minlength", str(MIN_PASSWORD_LENGTH))
    expect(page.locator("#handle-help")).to_contain_text(
        f"3 to {MAX_HANDLE_LENGTH} letters, digits and underscores"
    )
    expect(page.get_by_label("Display name")).to_have_attribute(
        "maxlength", str(MAX_DISPLAY_NAME_LENGTH)
    )
    page.get_by_label("Email").fill(f"{unique()}@example.com")
    page.get_by_label("Handle").fill(unique())
    page.get_by_label("Password").fill("x" * (MIN_PASSWORD_LENGTH - 1))
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#register-error")).to_have_text(
        f"A password needs at least {MIN_PASSWORD_LENGTH} characters."
    )


def test_pages_carry_a_strict_policy_and_the_refresh_route_needs_its_header(
    page: Page, site: Site
) -> None:
    answer = page.request.get(f"{site.url}/login")
    policy = answer.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "'unsafe-inline'" not in policy
    assert "frame-ancestors 'none'" in policy
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["referrer-policy"] == "strict-origin-when-cross-origin"
    # A cross-site form cannot send the Kino-Session header: without it, nothing happens.
    refused = page.request.post(f"{site.url}/auth/refresh")
    assert refused.status == 400
