"""`make dev` on embedded defaults: ready, Ctrl-C leaves nothing running, data survives."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import psutil
import pytest

from kino.infrastructure.embedded import free_port

ROOT = Path(__file__).resolve().parents[2]
REGISTER = """mutation { register(email: "dev@example.com", handle: "dev_user",
  password: "correct horse battery") { user { id } } }"""
LOGIN = """mutation { login(login: "dev_user", password: "correct horse battery") {
  accessToken user { id handle } } }"""


def processes_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline", "environ"]):
        try:
            cmdline = " ".join(process.info["cmdline"] or [])
            environ = process.info["environ"] or {}
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
        if str(data_dir) in cmdline or environ.get("KINO_DATA_DIR") == str(data_dir):
            found.append(process)
    return found


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "make dev exited early"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail("make dev did not become ready")


def start(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KINO_")}
    env.update(
        {
            "KINO_DATA_DIR": str(data_dir),
            "KINO_HTTP_PORT": str(port),
            "KINO_RTMP_PORT": str(free_port()),  # kino dev's ingest: never the shared 1935
            "KINO_LOG_FORMAT": "json",
            "MAKEFLAGS": "",
        }
    )
    return subprocess.Popen(
        ["make", "--no-print-directory", "dev"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def ctrl_c(process: subprocess.Popen[bytes]) -> int:
    """What a terminal does on Ctrl-C: SIGINT to the whole foreground process group."""
    os.killpg(process.pid, signal.SIGINT)
    return process.wait(60)


@pytest.mark.slow
def test_make_dev_runs_stops_cleanly_and_keeps_data(tmp_path: Path):
    data_dir = tmp_path / "kino-data"
    port = free_port()
    url = f"http://127.0.0.1:{port}"

    first = start(data_dir, port)
    try:
        wait_ready(url, first)
        ready = httpx.get(f"{url}/readyz").json()
        assert ready["checks"] == {
            "postgres": "ok",
            "redis": "ok",
            "projections": "ok",
            "nats": "ok",
        }
        registered = httpx.post(f"{url}/graphql", json={"query": REGISTER}, timeout=30).json()
        user_id = registered["data"]["register"]["user"]["id"]
        assert httpx.get(f"{url}/login").status_code == 200
    finally:
        ctrl_c(first)
    deadline = time.monotonic() + 20
    while processes_using(data_dir) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert processes_using(data_dir) == []

    second = start(data_dir, port)
    try:
        wait_ready(url, second)
        login = httpx.post(f"{url}/graphql", json={"query": LOGIN}, timeout=30).json()
        assert login["data"]["login"]["user"] == {"id": user_id, "handle": "dev_user"}
        token = login["data"]["login"]["accessToken"]
        me = httpx.post(
            f"{url}/graphql",
            json={"query": "{ me { handle } }"},
            headers={"Authorization": f"Bearer {token}"},
        ).json()
        assert me["data"]["me"]["handle"] == "dev_user"
    finally:
        ctrl_c(second)
    assert processes_using(data_dir) == []
