"""Fixtures for OpenID Connect sign-in: a real provider (oidc-provider on Node), a
misbehaving fake, a provider that is down, and an api configured with all three."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import psycopg
import pytest
import redis.asyncio as aioredis
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Endpoints, Overrides, build_container
from kino.infrastructure.oidc import FlowStore, OIDCLogin, RedirectAllowList
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import OIDCProviderSettings, Settings
from kino.projections.projector import Projector
from tests.integration.oauth import fake_provider
from tests.integration.oauth.fake_provider import FakeProvider
from tests.integration.oidc_provider import RunningProvider, start_provider

PUBLIC_URL = "http://kino.test"
CALLBACK = f"{PUBLIC_URL}/auth/callback"
OTHER_CALLBACK = f"{PUBLIC_URL}/other/callback"
EXTRA_CALLBACK = "http://127.0.0.1:5555/app-callback"


class Clock:
    """Wall-clock time plus an offset a test can advance (expiry without waiting)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


@pytest.fixture(scope="session")
def web_socket() -> Iterator[socket.socket]:
    """The listening socket a real api server (test_oidc_web) serves on; bound first so the
    provider can register its callback URL."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield sock


def web_origin(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(scope="session")
def oidc_provider(
    tmp_path_factory: pytest.TempPathFactory, web_socket: socket.socket
) -> Iterator[RunningProvider]:
    log = tmp_path_factory.mktemp("oidc") / "provider.log"
    web_callback = f"{web_origin(web_socket)}/auth/callback"
    yield from start_provider([CALLBACK, OTHER_CALLBACK, EXTRA_CALLBACK, web_callback], log)


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeProvider]:
    provider = FakeProvider().start()
    yield provider
    provider.stop()


@pytest.fixture(autouse=True)
def _reset_fake(fake: FakeProvider) -> None:
    fake.mode = "ok"
    fake.sign_with = None
    fake.token_requests.clear()


@pytest.fixture(scope="session")
def closed_port() -> Iterator[int]:
    """A port bound by no listener: connections are refused, and nobody else can take it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


@pytest.fixture(scope="session")
def oauth_settings(
    settings: Settings, oidc_provider: RunningProvider, fake: FakeProvider, closed_port: int
) -> Settings:
    providers = (
        OIDCProviderSettings(
            "local", oidc_provider.issuer, oidc_provider.client_id, oidc_provider.client_secret
        ),
        OIDCProviderSettings(
            "fake", fake.issuer, fake_provider.CLIENT_ID, fake_provider.CLIENT_SECRET
        ),
        OIDCProviderSettings("down", f"http://127.0.0.1:{closed_port}", "kino", "secret"),
        OIDCProviderSettings(
            "misconfigured", oidc_provider.issuer, oidc_provider.client_id, "a wrong secret"
        ),
    )
    return settings.with_overrides(
        public_url=PUBLIC_URL,
        oidc_providers=providers,
        oauth_redirect_extras=(EXTRA_CALLBACK,),
    )


@pytest.fixture
def clock() -> Clock:
    return Clock()


@asynccontextmanager
async def open_client(
    settings: Settings, endpoints: Endpoints, clock: Clock, timeout: float = 15.0
) -> AsyncIterator[AsyncTestClient[Any]]:
    flows = aioredis.Redis.from_url(settings.redis_url)
    oidc = OIDCLogin(
        settings.oidc_providers,
        RedirectAllowList(settings.public_url, settings.oauth_redirect_extras),
        FlowStore(flows, settings.redis_namespace, clock=clock),
        timeout=timeout,
        now=clock,
    )
    overrides = Overrides(passwords=FastPasswords(), oidc=oidc)
    container = build_container(settings, endpoints, overrides)
    async with AsyncTestClient(app=create_app(container)) as test_client:
        test_client.container = container  # type: ignore[attr-defined]
        yield test_client


@pytest.fixture
async def oauth_client(
    oauth_settings: Settings, endpoints: Endpoints, projector: Projector, clock: Clock
) -> AsyncIterator[AsyncTestClient[Any]]:
    async with open_client(oauth_settings, endpoints, clock) as test_client:
        yield test_client


@pytest.fixture
def users_created(database_url: str) -> Any:
    """How many users the event store holds (the write side, not a read model)."""

    def count() -> int:
        with psycopg.connect(database_url) as conn:
            row = conn.execute(
                "SELECT count(*) FROM accounts_events WHERE topic LIKE %s",
                ("%:User.Registered",),
            ).fetchone()
        return int(row[0]) if row else 0

    return count
