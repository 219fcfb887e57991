"""`kino ingest`: the RTMP ingest. nginx-rtmp runs as its child and asks it, on a local HTTP
port, about every publish (``on_publish``), every ``UPDATE_SECONDS`` while it lasts
(``on_update``) and when it ends (``on_publish_done``).

- A publish is accepted when its key is the stream's current one, the stream has not ended
  and no other ingest holds it (``LiveStreams.accept_publish``, an event); it is renamed to
  ``<stream id>-s<session>`` so the key never appears in paths or logs. Anything else is
  refused (the encoder is disconnected, nothing is written).
- Each session runs the live ladder (``kino.workers.live_session``); the stream turns LIVE
  once every playlist is playable.
- When the encoder goes away the stream waits ``KINO_LIVE_RECONNECT_SECONDS`` for it; then it
  ends, and its recording (every session's source, as received) becomes a video
  (``kino.workers.live_recording``). ``endLiveStream`` drops the publisher at its next update.
- Stopping (or killing) the ingest stops nginx and every ffmpeg: they die with it. Sessions'
  recordings left on disk by a killed ingest are picked up when it starts again.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import socket
from collections.abc import Mapping
from uuid import UUID

import structlog

from kino.bootstrap.workers import IngestParts, build_ingest_parts
from kino.commands.base import run_sync
from kino.commands.live import PublishGrant
from kino.domain.live import live_prefix
from kino.infrastructure.embedded import free_port
from kino.infrastructure.live.health import LIVE_HEALTH
from kino.infrastructure.live.health import POST_SECONDS as HEALTH_POST_SECONDS
from kino.infrastructure.live.nginx import NginxPlan, start_nginx
from kino.infrastructure.live.segments import SegmentMirror
from kino.infrastructure.settings import Settings
from kino.workers.ingest_callbacks import CallbackServer
from kino.workers.live_recording import save_recording, upload_session
from kino.workers.live_session import LiveSession, SessionPlan, StreamMedia
from kino.workers.process import run_worker

log = structlog.get_logger(__name__)

SESSION_FILE = re.compile(r"^([0-9a-f-]{36})-s(\d+)\.flv$")
NGINX_STOP_SECONDS = 5.0
KEY_IN_TEXT = re.compile(r"live_[A-Za-z0-9_-]{8,}")


class Ingest:
    def __init__(self, parts: IngestParts) -> None:
        self.parts, self.settings = parts, parts.settings
        root = parts.work_root
        self.run_dir, self.record_dir, self.hls_root = root / "run", root / "rec", root / "hls"
        self.sessions: dict[str, LiveSession] = {}  # by nginx's client id
        self.media: dict[UUID, StreamMedia] = {}
        self.graces: dict[tuple[UUID, int], asyncio.Task[None]] = {}
        self.finishing: set[UUID] = set()
        self.lock = asyncio.Lock()
        self.callbacks = CallbackServer(self)
        self.nginx: asyncio.subprocess.Process | None = None
        self.stat_port = free_port()
        self.watchers: list[asyncio.Task[None]] = []

    # -- the worker's shape (kino.workers.process) --

    async def start(self) -> None:
        await self.callbacks.start()
        plan = NginxPlan(
            run_dir=self.run_dir,
            record_dir=self.record_dir,
            rtmp_host=self.settings.http_host,  # KINO_HTTP_HOST: 0.0.0.0 in a pod
            rtmp_port=self.settings.rtmp_port,
            stat_port=self.stat_port,
            callback_url=self.callbacks.url,
        )
        self.nginx = await start_nginx(plan)
        self.watchers.append(asyncio.create_task(self._nginx_log(self.nginx)))
        self.watchers.append(asyncio.create_task(self._post_health()))
        await self._wait_rtmp()
        await self._recover()

    def describe(self) -> Mapping[str, object]:
        return {"rtmp_port": self.settings.rtmp_port, "ingest": self.settings.live.ingest_id}

    async def run(self, stopping: asyncio.Event) -> None:
        assert self.nginx is not None
        died = asyncio.create_task(self.nginx.wait())
        stop = asyncio.create_task(stopping.wait())
        await asyncio.wait([died, stop], return_when=asyncio.FIRST_COMPLETED)
        if died.done():
            log.error("nginx exited; the ingest stops", code=died.result())
        stop.cancel()

    async def stop(self) -> None:
        """Sessions end as if their encoders left, so another replica may take a reconnect;
        their recordings stay on disk too, for the grace this ingest runs when it is back."""
        if self.nginx is not None and self.nginx.returncode is None:
            self.nginx.terminate()  # first: the encoders go, the recordings are complete
            try:
                async with asyncio.timeout(NGINX_STOP_SECONDS):
                    await self.nginx.wait()
            except TimeoutError:
                self.nginx.kill()
                await self.nginx.wait()
        for client, session in list(self.sessions.items()):
            del self.sessions[client]
            await session.close()
            grant = session.grant
            with contextlib.suppress(Exception):
                await run_sync(self.parts.live.stop_publish, grant.stream_id, grant.session)
                local = self.record_dir / f"{session.name}.flv"
                await upload_session(self.parts.store, grant.stream_id, grant.session, local)
        for task in [*self.graces.values(), *self.watchers]:
            task.cancel()
        await self.callbacks.stop()
        await self.parts.close()

    async def _post_health(self) -> None:
        """Every stream's latest measures, for its owner's studio (kept briefly in Redis)."""
        while True:
            try:
                await self.parts.health.post(LIVE_HEALTH.by_stream())
            except Exception as error:  # noqa: BLE001 - Redis may be away a moment
                log.warning("could not post the streams' health", error=repr(error))
            await asyncio.sleep(HEALTH_POST_SECONDS)

    # -- nginx's callbacks (kino.workers.ingest_callbacks) --

    async def on_publish(self, key: str, client: str, addr: str) -> str | None:
        """The name the publish is renamed to, or None to refuse it."""
        live = self.parts.live
        async with self.lock:
            stream_id = await run_sync(live.verify_stream_key, key)
            if stream_id is not None and any(
                s.grant.stream_id == stream_id for s in self.sessions.values()
            ):
                log.warning("publish refused: the stream is already being published", addr=addr)
                return None
            try:
                grant = await run_sync(live.accept_publish, key, self.settings.live.ingest_id)
            except Exception as error:  # noqa: BLE001 - every refusal is logged, none crashes
                log.warning("publish refused", addr=addr, reason=str(error))
                return None
            self._begin(grant, client)
        log.info("publish accepted", stream_id=str(grant.stream_id), session=grant.session)
        return self.sessions[client].name

    def _begin(self, grant: PublishGrant, client: str) -> None:
        name = f"{grant.stream_id}-s{grant.session}"
        out = self.hls_root / str(grant.stream_id)
        media = self.media.get(grant.stream_id)
        if media is None:
            mirror = SegmentMirror(self.parts.store, out, live_prefix(grant.stream_id) + "hls/", [])
            media = self.media[grant.stream_id] = StreamMedia(mirror)
        plan = SessionPlan(
            rtmp_url=f"rtmp://127.0.0.1:{self.settings.rtmp_port}/live/{name}",
            stat_url=f"http://127.0.0.1:{self.stat_port}/stat",
            out=out,
            ladder=self.settings.live.ladder,
            segment_seconds=self.settings.live.segment_seconds,
            recording=self.record_dir / f"{name}.flv",
        )

        async def announce() -> None:
            await run_sync(self.parts.live.report_live, grant.stream_id)
            log.info("stream is live", stream_id=str(grant.stream_id), session=grant.session)

        session = self.sessions[client] = LiveSession(grant, name, plan, media, announce)
        session.start()

    async def on_update(self, client: str) -> bool:
        """False drops the publisher: the owner ended the stream, or the session gave up."""
        session = self.sessions.get(client)
        if session is None:
            return True  # a player (the ladder's ffmpeg), or a publish we do not know
        if session.kick_reason is None:
            with contextlib.suppress(Exception):
                if await run_sync(self.parts.live.is_ended, session.grant.stream_id):
                    session.kick("the owner ended the stream")
        return session.kick_reason is None

    async def on_publish_done(self, client: str) -> None:
        session = self.sessions.pop(client, None)
        if session is None:
            return
        grant = session.grant
        log.info("encoder disconnected", stream_id=str(grant.stream_id), session=grant.session)
        await session.close()
        await run_sync(self.parts.live.stop_publish, grant.stream_id, grant.session)
        self._grace(grant.stream_id, grant.session)

    # -- the grace, the recording --

    def _grace(self, stream_id: UUID, session: int) -> None:
        if (stream_id, session) not in self.graces:
            task = asyncio.create_task(self._wait_grace(stream_id, session))
            self.graces[(stream_id, session)] = task

    async def _wait_grace(self, stream_id: UUID, session: int) -> None:
        live, store = self.parts.live, self.parts.store
        local = self.record_dir / f"{stream_id}-s{session}.flv"
        try:
            await upload_session(store, stream_id, session, local)
            if not await run_sync(live.is_ended, stream_id):
                await asyncio.sleep(self.settings.live.reconnect_seconds)
            if await run_sync(live.end_after_grace, stream_id, session):
                await self._finish(stream_id)
            local.unlink(missing_ok=True)
        except Exception as error:  # noqa: BLE001 - logged; the files stay for the next start
            log.error("ending the stream failed", stream_id=str(stream_id), error=repr(error))
        finally:
            self.graces.pop((stream_id, session), None)

    async def _finish(self, stream_id: UUID) -> None:
        if stream_id in self.finishing:
            return
        self.finishing.add(stream_id)
        log.info("stream ended", stream_id=str(stream_id))
        media = self.media.pop(stream_id, None)
        work = self.parts.work_root / "join" / str(stream_id)
        await save_recording(self.parts, stream_id, work)
        await asyncio.to_thread(self.parts.store.delete_prefix, live_prefix(stream_id))
        if media is not None:
            await asyncio.to_thread(shutil.rmtree, media.mirror.local, True)

    async def _recover(self) -> None:
        """Sessions a killed ingest left behind: their recordings are kept, the grace runs."""
        for path in sorted(self.record_dir.glob("*.flv")):
            found = SESSION_FILE.match(path.name)
            if found is None:
                continue
            stream_id, session = UUID(found[1]), int(found[2])
            with contextlib.suppress(Exception):
                await run_sync(self.parts.live.stop_publish, stream_id, session)
            log.info("resuming the grace of a session", stream_id=str(stream_id), session=session)
            self._grace(stream_id, session)

    async def _nginx_log(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace").strip()
            line = KEY_IN_TEXT.sub("<key>", line)  # never log a key
            if line:
                log.info("nginx", line=line[:400])

    async def _wait_rtmp(self) -> None:
        for _ in range(100):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", self.settings.rtmp_port), 0.2).close()
                return
            if self.nginx is not None and self.nginx.returncode is not None:
                raise RuntimeError("nginx exited at start (is the RTMP port free?)")
            await asyncio.sleep(0.05)
        raise RuntimeError("nginx did not open the RTMP port")


def run_ingest(settings: Settings) -> None:
    run_worker(
        "ingest", settings, lambda endpoints: Ingest(build_ingest_parts(settings, endpoints))
    )
