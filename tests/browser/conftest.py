"""Browser tests: pytest-playwright driving Debian's Chromium (/usr/bin/chromium; never a
downloaded browser) against a whole Kino (tests/browser/site.py).

Every page a test opens is watched: a Content-Security-Policy violation or an uncaught
script error fails the test. Screenshots go to ``test-artifacts/screenshots`` (or
``$KINO_SCREENSHOTS``), not committed, for a reviewer to open.
"""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page

from kino.bootstrap import Endpoints
from kino.infrastructure.settings import OIDCProviderSettings, Settings
from tests.browser.site import Site, free_socket, origin_of, own_database, running_site
from tests.conftest import ADMIN_DATABASE_URL, make_settings
from tests.integration.oidc_provider import RunningProvider, start_provider

CHROMIUM = "/usr/bin/chromium"
PROVIDER = "local"  # the OpenID Connect provider's name on the login page
SCREENSHOTS = Path(os.environ.get("KINO_SCREENSHOTS", "test-artifacts/screenshots"))
WATCH_PAGE = """
document.addEventListener('securitypolicyviolation', (e) =>
  window.kinoReport(`CSP ${e.violatedDirective}: ${e.blockedURI} ${e.sample}`), true);
"""


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session")
def site_socket() -> Iterator[socket.socket]:
    with free_socket() as sock:
        yield sock


@pytest.fixture(scope="session")
def site_provider(
    tmp_path_factory: pytest.TempPathFactory, site_socket: socket.socket
) -> Iterator[RunningProvider]:
    """A real OpenID Connect provider (oidc-provider) that knows the site's callback."""
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    yield from start_provider([f"{origin_of(site_socket)}/auth/callback"], log)


@pytest.fixture(scope="session")
def site(
    tmp_path_factory: pytest.TempPathFactory,
    run_id: str,
    endpoints: Endpoints,
    site_socket: socket.socket,
    site_provider: RunningProvider,
) -> Iterator[Site]:
    with own_database(ADMIN_DATABASE_URL, f"kino_test_{run_id}_web") as database_url:
        own = Endpoints(database_url, endpoints.redis_url, endpoints.nats_url)
        provider = OIDCProviderSettings(
            PROVIDER, site_provider.issuer, site_provider.client_id, site_provider.client_secret
        )
        settings: Settings = make_settings(
            tmp_path_factory.mktemp("site"), own, f"kinotest{run_id}web", oidc_providers=(provider,)
        )
        with running_site(settings, own, site_socket) as running:
            yield running


class PageProblems:
    """CSP violations and uncaught errors of every page of one browser context."""

    def __init__(self) -> None:
        self.seen: list[str] = []

    def watch(self, context: BrowserContext) -> None:
        context.expose_function("kinoReport", self.report)
        context.add_init_script(WATCH_PAGE)
        context.on("page", self.watch_page)

    def report(self, text: str) -> None:
        """Called by the page (Playwright wraps functions, not a list's bound method)."""
        self.seen.append(text)

    def watch_page(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.seen.append(f"uncaught: {error}"))


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def context(context: BrowserContext, problems: PageProblems) -> Iterator[BrowserContext]:
    problems.watch(context)
    yield context
    assert problems.seen == [], problems.seen


@pytest.fixture
def other_person(browser: Any, problems: PageProblems) -> Iterator[Any]:
    """Another browser context (another person), watched the same way."""
    opened: list[BrowserContext] = []

    def make(**options: Any) -> BrowserContext:
        extra = browser.new_context(**options)
        problems.watch(extra)
        opened.append(extra)
        return extra

    yield make
    for extra in opened:
        extra.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}-{page.viewport_size['width'] if page.viewport_size else 0}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def unique(prefix: str = "u") -> str:
    return f"{prefix}{secrets.token_hex(4)}"
