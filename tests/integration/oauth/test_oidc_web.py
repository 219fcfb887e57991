"""The web sign-in: /login's provider button and the /auth/callback page, run (in Node,
with browser APIs stubbed) against a real api server and the real provider."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn

from kino.api import create_app
from kino.bootstrap import Endpoints, Overrides, build_container
from kino.http.pages import STATIC
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import Settings
from kino.projections.projector import Projector
from tests.integration.conftest import gql
from tests.integration.oauth.conftest import web_origin
from tests.integration.oauth.helpers import ME, subject
from tests.integration.oidc_provider import PROVIDER_DIR, authorize

START_TIMEOUT = 30.0


@pytest.fixture(scope="session")
def web_api(
    oauth_settings: Settings, endpoints: Endpoints, projector: Projector, web_socket: socket.socket
) -> Iterator[str]:
    origin = web_origin(web_socket)
    settings = oauth_settings.with_overrides(public_url=origin)
    app = create_app(build_container(settings, endpoints, Overrides(passwords=FastPasswords())))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [web_socket]}, daemon=True)
    thread.start()
    started = threading.Event()

    def watch() -> None:
        while thread.is_alive() and not server.started:
            started.wait(0.01)
        started.set()

    threading.Thread(target=watch, daemon=True).start()
    assert started.wait(START_TIMEOUT), "the api server did not start"
    assert server.started
    yield origin
    server.should_exit = True
    thread.join(START_TIMEOUT)


def run_page(origin: str, page: str, storage: dict[str, str] | None = None, click: str = "") -> Any:
    node = shutil.which("node")
    assert node, "node is needed: run `make test`"
    env = {
        "PATH": os.environ.get("PATH", ""),
        "KINO_URL": origin,
        "STATIC_DIR": str(STATIC),
        "PAGE": page,
        "STORAGE": json.dumps(storage or {}),
        "CLICK": click,
    }
    done = subprocess.run(
        [node, str(PROVIDER_DIR / "web-client.mjs")],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    return json.loads(done.stdout.decode().strip().splitlines()[-1])


async def test_the_login_page_signs_in_through_a_provider(web_api):
    login_page = await asyncio.to_thread(run_page, web_api, "/login", click="local")
    assert login_page["buttons"] == ["local", "fake", "down", "misconfigured"]
    assert login_page["providersHidden"] is False
    authorization_url = login_page["navigatedTo"]
    assert authorization_url, login_page["message"]

    callback_uri = f"{web_api}/auth/callback"
    login = subject("web")
    answer = await authorize(authorization_url, callback_uri, login)
    query = httpx.QueryParams(answer)
    callback = await asyncio.to_thread(
        run_page, web_api, f"/auth/callback?{query}", login_page["sessionStorage"]
    )
    assert callback["message"] == "Signing you in…"
    assert callback["navigatedTo"] == "/"
    assert callback["path"] == "/login"  # the code does not stay in the address bar
    token = callback["sessionStorage"]["kino.accessToken"]
    assert callback["localStorage"]["kino.refreshToken"]
    async with httpx.AsyncClient(base_url=web_api, timeout=30) as client:
        me = (await gql(client, ME, token=token))["me"]
    assert me["email"] == f"{login}@example.com"


async def test_the_callback_refuses_a_sign_in_this_browser_did_not_start(web_api):
    # Someone else's answer (login CSRF): no state of ours in this browser's storage.
    page = await asyncio.to_thread(run_page, web_api, "/auth/callback?code=abc&state=def&iss=x")
    assert "not started in this browser" in page["message"]
    assert page["navigatedTo"] is None
    assert "kino.accessToken" not in page["sessionStorage"]


async def test_the_callback_shows_the_providers_error(web_api):
    page = await asyncio.to_thread(
        run_page, web_api, "/auth/callback?error=access_denied&error_description=You+said+no"
    )
    assert page["message"] == "The provider did not sign you in: You said no."
