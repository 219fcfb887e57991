"""A real OpenID Connect provider for tests: the npm package ``oidc-provider`` under
tests/oidc, run with Node on 127.0.0.1 on a free port (installed on first use), and a
small "browser" that walks its login and consent forms."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx

PROVIDER_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "kino-test"
CLIENT_SECRET = "kino-test-secret:with/odd chars"
START_TIMEOUT = 60.0


@dataclass(frozen=True)
class RunningProvider:
    issuer: str
    client_id: str
    client_secret: str


def ensure_installed() -> None:
    """``npm ci`` into tests/oidc when its node_modules is missing (a fresh machine)."""
    if (PROVIDER_DIR / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is needed for the OIDC tests: run `make test` (it installs it)")
    subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=PROVIDER_DIR,
        check=True,
        timeout=600,
    )


def start_provider(redirect_uris: list[str], log_path: Path) -> Iterator[RunningProvider]:
    """Run the provider until the generator is closed; yields once it listens."""
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise RuntimeError("node is needed for the OIDC tests: run `make test` (it installs it)")
    env = {
        "PATH": str(Path(node).parent),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": json.dumps(redirect_uris),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [node, "provider.mjs"],
            cwd=PROVIDER_DIR,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            yield RunningProvider(_read_issuer(process, log_path), CLIENT_ID, CLIENT_SECRET)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _read_issuer(process: subprocess.Popen[bytes], log_path: Path) -> str:
    """Wait (on the process's first line, not on time) for the issuer it listens on."""
    line: list[bytes] = []
    assert process.stdout is not None
    reader = threading.Thread(target=lambda: line.append(process.stdout.readline()), daemon=True)  # type: ignore[union-attr]
    reader.start()
    reader.join(START_TIMEOUT)
    if not line or not line[0]:
        process.kill()
        raise RuntimeError(f"oidc-provider did not start: {log_path.read_text()[-2000:]}")
    return str(json.loads(line[0])["issuer"])


class _Form(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.action: str | None = None
        self.fields: dict[str, str] = {}
        self._done = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and self.action is None:
            self.action = values.get("action", "")
        elif tag == "input" and self.action is not None and not self._done and "name" in values:
            self.fields[values["name"]] = values.get("value", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.action is not None:
            self._done = True


async def authorize(authorization_url: str, redirect_uri: str, login: str) -> dict[str, str]:
    """Act as the browser: follow redirects, fill the login form, confirm the consent form,
    and return the query parameters of the final redirect to ``redirect_uri``."""
    async with httpx.AsyncClient(timeout=30) as browser:
        response = await browser.get(authorization_url)
        for _step in range(20):
            if response.is_redirect:
                location = urljoin(str(response.url), response.headers["location"])
                if location.startswith(redirect_uri):
                    query = parse_qs(urlsplit(location).query)
                    return {key: values[0] for key, values in query.items()}
                response = await browser.get(location)
                continue
            assert response.status_code == 200, response.text[:500]
            form = _Form()
            form.feed(response.text)
            assert form.action is not None, response.text[:500]
            data = dict(form.fields)
            if "login" in data:
                data.update(login=login, password="any password")
            response = await browser.post(urljoin(str(response.url), form.action), data=data)
    raise AssertionError("the provider never redirected back")
