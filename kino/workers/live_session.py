"""One publish session on the ingest: plan the ladder from the encoder's metadata
(``kino.workers.live_source``), run the ladder's ffmpeg, mirror its output into the object
store, announce LIVE once playable.

ffmpeg's ``-progress`` is read as it goes: below the source's pace for ``SLOW_SECONDS``, the
highest encoded rung is dropped (ffmpeg restarts on the same playlists), the reason logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import structlog

from kino.commands.live import PublishGrant
from kino.infrastructure.live.health import LIVE_HEALTH
from kino.infrastructure.live.ladder import (
    MAX_FPS,
    LiveRung,
    can_pass_through,
    ladder_command,
    master_playlist,
    plan_rungs,
    playlist_names,
)
from kino.infrastructure.live.segments import SegmentMirror
from kino.infrastructure.live.stat import SourceInfo, stream_info
from kino.infrastructure.media.process import limit_child
from kino.workers.live_source import keyframes_often, source_metadata

log = structlog.get_logger(__name__)

PLAYABLE_SEGMENTS = 2  # segments every playlist has when the stream is announced LIVE
SLOW_SECONDS = 10  # below real time this long: drop the highest rung
SLOW_SPEED = 0.9
SPEED_WINDOW = 5.0  # seconds of progress the encoder's speed is judged over
SYNC_SECONDS = 0.2
RESTARTS = 5  # ffmpeg exits a session tolerates (the stream was not there yet, a rung drop)


@dataclass
class StreamMedia:
    """What a held stream keeps across its sessions on this ingest."""

    mirror: SegmentMirror
    rungs: list[LiveRung] = field(default_factory=list)
    audio: bool = True
    announced: bool = False


@dataclass
class SessionPlan:
    rtmp_url: str  # rtmp://127.0.0.1:PORT/live/<name>
    stat_url: str
    out: Path  # the ladder's local output
    ladder: tuple[int, ...]
    segment_seconds: int
    recording: Path | None = None  # nginx's FLV of this session (probed for keyframes)


class LiveSession:
    def __init__(
        self,
        grant: PublishGrant,
        name: str,
        plan: SessionPlan,
        media: StreamMedia,
        announce: Callable[[], Awaitable[None]],
    ) -> None:
        self.grant, self.name, self.plan, self.media = grant, name, plan, media
        self.announce = announce
        self.kick_reason: str | None = None  # set: the next on_update drops the publisher
        self.closed = asyncio.Event()
        self.process: asyncio.subprocess.Process | None = None
        self.log = log.bind(stream_id=str(grant.stream_id), session=grant.session)
        self.task: asyncio.Task[None] | None = None
        self.received = 0.0  # seconds of the source nginx has received (_follow_source)

    def start(self) -> None:
        self.task = asyncio.create_task(self._run())

    def kick(self, reason: str) -> None:
        if self.kick_reason is None:
            self.kick_reason = reason
            self.log.warning("dropping the publisher", reason=reason)

    async def close(self) -> None:
        """The encoder went away (or the ingest stops): ffmpeg ends, the last output is kept."""
        self.closed.set()
        if self.task is not None:
            try:
                async with asyncio.timeout(10):
                    await self.task
            except TimeoutError:
                self._terminate()
                self.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self.task

    async def _run(self) -> None:
        try:
            source = await source_metadata(self.plan.stat_url, self.name, self.closed)
            if source is None:
                self.kick("the encoder sent no stream metadata")
                return
            if not source.has_video:
                self.kick("the publish has no video (audio-only streams are not supported)")
                return
            if not self.media.rungs:
                passthrough = await self._passthrough(source)
                self.media.rungs = plan_rungs(source, self.plan.ladder, passthrough)
                self.media.audio = bool(source.audio_codec)
                self.media.mirror.names = playlist_names(self.media.rungs, self.media.audio)
            self.log.info(
                "session started",
                source=f"{source.width}x{source.height}@{source.fps:g}",
                video=source.video_codec,
                audio=source.audio_codec or "none",
                rungs=[rung.name + (" (source)" if rung.copy else "") for rung in self.media.rungs],
                fps=f"{min(source.fps, MAX_FPS) or MAX_FPS:g}",
            )
            await self._encode(source)
        except Exception as error:
            self.log.error("session failed", error=repr(error), exc_info=error)
            self.kick("the live ladder failed")
        finally:
            await self._sync()
            LIVE_HEALTH.forget(self.name)  # bounded series: only sessions that run

    async def _passthrough(self, source: SourceInfo) -> bool:
        """Whether the top rung is the source itself: it could be (H.264 at the top rung's
        size and frame rate) and its keyframes come often enough (probed only then)."""
        if self.plan.recording is None or not can_pass_through(source, self.plan.ladder):
            return False
        return await keyframes_often(self.plan.recording, self.closed, self.log)

    async def _encode(self, source: SourceInfo) -> None:
        resume = (self.plan.out / self.media.mirror.names[0] / "index.m3u8").exists()
        for _attempt in range(RESTARTS):
            if self.closed.is_set():
                return
            argv = ladder_command(
                self.plan.rtmp_url,
                self.plan.out,
                self.media.rungs,
                session=self.grant.session,
                segment_seconds=self.plan.segment_seconds,
                audio=self.media.audio,
                source=source,
                resume=resume,
            )
            for name in self.media.mirror.names:
                (self.plan.out / name).mkdir(parents=True, exist_ok=True)
            code = await self._run_ffmpeg(argv)
            resume = True
            if self.closed.is_set():
                return
            self.log.info("ladder ffmpeg exited; starting it again", code=code)
            await asyncio.sleep(0.5)
        self.kick("the live ladder keeps failing")

    async def _run_ffmpeg(self, argv: list[str]) -> int:
        self.process = process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            preexec_fn=limit_child,
        )
        tasks = [
            asyncio.create_task(self._progress(process)),
            asyncio.create_task(self._errors(process)),
            asyncio.create_task(self._mirror(process)),
            asyncio.create_task(self._follow_source()),
        ]
        closing = asyncio.create_task(self.closed.wait())
        done = asyncio.create_task(process.wait())
        await asyncio.wait([closing, done], return_when=asyncio.FIRST_COMPLETED)
        if not done.done():
            await asyncio.sleep(0.5)  # idle_streams off: ffmpeg sees the end by itself
            self._terminate()
        code = await done
        closing.cancel()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return code

    def _terminate(self) -> None:
        if self.process is not None and self.process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self.process.terminate()

    async def _progress(self, process: asyncio.subprocess.Process) -> None:
        """The encoder's speed: how far its ``out_time`` moved against how far the source
        nginx received moved, over the last ``SPEED_WINDOW`` seconds (a publisher that is
        itself slow is not the encoder's fault; ffmpeg's own ``speed`` counts from its start,
        probing included)."""
        assert process.stdout is not None
        slow_since: float | None = None
        window: deque[tuple[float, float, float]] = deque()
        async for raw in process.stdout:
            key, _, value = raw.decode(errors="replace").strip().partition("=")
            if key == "out_time_us" and value.isdigit():
                now = time.monotonic()
                window.append((now, int(value) / 1_000_000, self.received))
                while now - window[0][0] > SPEED_WINDOW:
                    window.popleft()
                source = window[-1][2] - window[0][2]
                if window[-1][0] - window[0][0] < SPEED_WINDOW / 2 or source <= 0:
                    continue
                speed = (window[-1][1] - window[0][1]) / source
                LIVE_HEALTH.record(self.name, "encoder_speed", speed)
                slow_since = (slow_since or now) if speed < SLOW_SPEED else None
                if slow_since is not None and now - slow_since >= SLOW_SECONDS:
                    await self._drop_rung(speed)
                    slow_since = None
                    window.clear()
            elif key in ("fps", "drop_frames"):
                with contextlib.suppress(ValueError):
                    measure = "fps" if key == "fps" else "dropped_frames"
                    LIVE_HEALTH.record(self.name, measure, float(value))

    async def _follow_source(self) -> None:
        """How far the source has arrived (seconds of its timeline), from nginx's stat page."""
        async with httpx.AsyncClient(timeout=2) as http:
            while not self.closed.is_set():
                source = await stream_info(http, self.plan.stat_url, self.name)
                if source is not None:
                    self.received = source.received_ms / 1000
                    LIVE_HEALTH.record(self.name, "input_bits_per_second", source.bitrate_in)
                await asyncio.sleep(0.5)

    async def _drop_rung(self, speed: float) -> None:
        rungs = self.media.rungs
        encoded = [rung for rung in rungs if not rung.copy]
        if len(rungs) < 2 or not encoded:
            self.log.warning("encoder below real time with one rung left", speed=speed)
            return
        self.log.warning(
            "encoder below real time: dropping the highest encoded rung",
            speed=speed,
            seconds=SLOW_SECONDS,
            dropped=encoded[0].name,
        )
        self.media.rungs = [rung for rung in rungs if rung is not encoded[0]]
        master = master_playlist(self.media.rungs, self.media.audio)
        try:
            await asyncio.to_thread(self.media.mirror.retire, encoded[0].name, master)
        except Exception as error:  # noqa: BLE001 - the store may be away a moment
            self.log.warning("could not retire the dropped rung", error=repr(error))
        self._terminate()  # _encode starts it again on the same playlists, one rung fewer

    async def _errors(self, process: asyncio.subprocess.Process) -> None:
        assert process.stderr is not None
        async for raw in process.stderr:
            line = raw.decode(errors="replace").strip()
            if line:
                self.log.info("ffmpeg", line=line[:300])

    async def _mirror(self, process: asyncio.subprocess.Process) -> None:
        while process.returncode is None:
            counts = await self._sync()
            names = self.media.mirror.names
            LIVE_HEALTH.record(self.name, "rungs", len(self.media.rungs))
            ready = all(counts.get(name, 0) >= PLAYABLE_SEGMENTS for name in names)
            if ready and not self.media.announced:
                master = master_playlist(self.media.rungs, self.media.audio)
                await asyncio.to_thread(self.media.mirror.put_master, master)
                self.media.announced = True
                await self.announce()
            await asyncio.sleep(SYNC_SECONDS)

    async def _sync(self) -> dict[str, int]:
        try:
            return await asyncio.to_thread(self.media.mirror.sync)
        except Exception as error:  # noqa: BLE001 - the store may be away a moment
            self.log.warning("could not store live segments", error=repr(error))
            return {}
