"""A whole Kino for the browser tests: its own database, Redis namespace and NATS subjects,
the api on a fixed origin (pages carry absolute URLs), the projector, the relay and a
transcoder, all in one background thread with its own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import psycopg
import uvicorn

from kino.api import create_app
from kino.bootstrap import (
    Endpoints,
    Overrides,
    build_container,
    build_ingest_parts,
    build_projector,
    build_relay_parts,
    build_transcoder_parts,
)
from kino.bootstrap.projections import PROJECTIONS
from kino.infrastructure.broker import VideoStream, VideoSubjects
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.settings import LiveSettings, Settings, VideoSettings
from kino.workers.ingest import Ingest
from kino.workers.relay import Relay
from kino.workers.transcoder import Transcoder
from kino.workers.transcoding import TranscodeJob

START_TIMEOUT = 60.0
UPLOAD_VIEWS = frozenset({"users", "sessions", "videos", "comments"})  # a site not live


@dataclass(frozen=True)
class Site:
    url: str
    settings: Settings
    endpoints: Endpoints

    def gql(
        self, query: str, variables: dict[str, Any] | None = None, token: str | None = None
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = httpx.post(
            f"{self.url}/graphql",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=60,
        ).json()
        assert not body.get("errors"), body["errors"]
        return body["data"]


def free_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


@contextlib.contextmanager
def own_database(admin_url: str, name: str) -> Iterator[str]:
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    base, _, _ = admin_url.rpartition("/")
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


async def _serve(
    settings: Settings,
    endpoints: Endpoints,
    sock: socket.socket,
    ready: threading.Event,
    stop: asyncio.Event,
    live: bool,
) -> None:
    container = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    server = uvicorn.Server(
        uvicorn.Config(
            create_app(container),
            log_config=None,
            access_log=False,
            lifespan="on",
            ws_max_size=64 * 1024,
        )
    )
    relay = Relay(build_relay_parts(settings, endpoints))
    parts = build_transcoder_parts(settings, endpoints)
    transcoder = Transcoder(parts, TranscodeJob.from_parts(parts))
    ingest = Ingest(build_ingest_parts(settings, endpoints)) if live else None
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    await relay.start()
    relaying = asyncio.create_task(relay.run(stop, poll_interval=0.05))
    await transcoder.start()
    if ingest is not None:
        await ingest.start()
    while not server.started:
        if serving.done():
            serving.result()
        await asyncio.sleep(0.02)
    ready.set()
    await stop.wait()
    server.should_exit = True
    if ingest is not None:
        await ingest.stop()
    await transcoder.stop()
    await relaying
    await relay.stop()
    await serving
    with contextlib.suppress(Exception):
        await VideoStream(endpoints.nats_url, VideoSubjects.for_settings(settings)).delete()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def origin_of(sock: socket.socket) -> str:
    return f"http://127.0.0.1:{sock.getsockname()[1]}"


@contextlib.contextmanager
def running_site(
    settings: Settings, endpoints: Endpoints, sock: socket.socket, *, live: bool = True
) -> Iterator[Site]:
    """Kino serving on ``sock`` (bound first, so an OIDC provider can know the callback).
    Not ``live``: without the RTMP ingest and the live and chat projections, whose
    connections a second site beside the session's cannot have (the machine's PostgreSQL
    allows 100)."""
    origin = origin_of(sock)
    settings = settings.with_overrides(
        public_url=origin,
        videos=VideoSettings(ack_wait_seconds=10, attempts=3, preset="ultrafast"),
        rtmp_port=free_port(),
        # Two small rungs and a short grace: live tests on two cores.
        live=LiveSettings(
            reconnect_seconds=3, ladder=(360, 240), ingest_id=f"web-{sock.getsockname()[1]}"
        ),
    )
    loop = asyncio.new_event_loop()
    ready = threading.Event()
    stop = asyncio.Event()
    failure: list[BaseException] = []

    def run() -> None:
        try:
            loop.run_until_complete(_serve(settings, endpoints, sock, ready, stop, live))
        except BaseException as error:
            failure.append(error)
            ready.set()

    specs = PROJECTIONS if live else tuple(s for s in PROJECTIONS if s.name in UPLOAD_VIEWS)
    with build_projector(settings, endpoints, specs, poll_interval=0.2, record_health=False):
        thread = threading.Thread(target=run, name="kino-site", daemon=True)
        thread.start()
        assert ready.wait(START_TIMEOUT), "the site did not start"
        if failure:
            raise failure[0]
        try:
            yield Site(origin, settings, endpoints)
        finally:
            loop.call_soon_threadsafe(stop.set)
            thread.join(START_TIMEOUT)
