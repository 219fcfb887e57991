"""One transcoding job: probe, lowest rung first, images, the rest of the ladder, a
storyboard (hover previews, ``kino.workers.storyboards``), ready.

Idempotent: the job reads the video's state first and skips what is done (a rendition
already added is never encoded again), so a redelivered or restarted job finishes the
remainder. The work directory is removed on every exit path; one left by a killed worker
is removed by ``sweep_work_dirs`` when a worker starts (the directory's name carries the pid
of the worker that made it).

A job taken from a lane of new jobs stops after the probe when the video is longer than
``long_after`` (``FoundLong``): the transcoder moves it to the long lane, where it runs in the
background (niced ffmpeg) so that short jobs pass it (docs/adr/0007).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from uuid import UUID

import structlog

from kino.bootstrap.workers import TranscoderParts
from kino.commands.videos import Videos
from kino.domain.video_rules import master_key, video_prefix
from kino.domain.video_values import ProbeResult, Rendition, VideoStatus
from kino.domain.videos import Video
from kino.infrastructure.embedded import pid_alive
from kino.infrastructure.media.ffmpeg import run_ffmpeg
from kino.infrastructure.media.hls import (
    master_playlist,
    measured_bandwidth,
    read_master,
    referenced_files,
)
from kino.infrastructure.media.ladder import Rung, image_commands, ladder_command, plan_ladder
from kino.infrastructure.media.probe import Probe, ProbeRejected, probe_upload
from kino.infrastructure.progress import Progress, ProgressReports
from kino.infrastructure.settings import VideoSettings
from kino.infrastructure.storage import ObjectStore
from kino.workers.storyboards import make_storyboard

log = structlog.get_logger(__name__)

PASS_SECONDS = 4.0  # an ffmpeg pass may take 4 s per second of video, if longer than the timeout
CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
}


class JobCancelled(Exception):
    """The video was deleted while it was being transcoded."""


@dataclass(frozen=True)
class Mode:
    """How a lane runs its jobs.

    A lane of new jobs stops after the probe when the video is longer than ``long_after``
    (``FoundLong``); a long lane's job runs ffmpeg in the ``background`` (niced).
    """

    long_after: float | None = None
    background: bool = False


class FoundLong(Exception):
    """The probe found the video longer than a new-job lane takes: it belongs in the long lane."""

    def __init__(self, duration: float) -> None:
        super().__init__(f"{duration:.0f} s")
        self.duration = duration


class JobRunner(Protocol):
    """Runs one job: ``TranscodeJob``, or a test's wrapper around it."""

    async def run(self, video_id: UUID, mode: Mode = ...) -> None: ...


@dataclass
class _State:
    video_id: UUID
    probe: Probe
    source: Path
    workdir: Path
    done: dict[str, Rendition]  # renditions stored so far, by name
    progress: Progress
    background: bool  # a long job: ffmpeg runs niced


class TranscodeJob:
    def __init__(
        self,
        videos: Videos,
        *,
        store: ObjectStore,
        settings: VideoSettings,
        progress: ProgressReports,
        work_root: Path,
    ) -> None:
        self.videos, self.store, self.settings = videos, store, settings
        self.progress, self.work_root = progress, work_root

    @classmethod
    def from_parts(cls, parts: TranscoderParts) -> TranscodeJob:
        return cls(
            parts.videos,
            store=parts.store,
            settings=parts.config,
            progress=parts.progress,
            work_root=parts.work_root,
        )

    async def run(self, video_id: UUID, mode: Mode = Mode()) -> None:
        video = await asyncio.to_thread(self.videos.get_video, video_id)
        if video.deleted or video.status != VideoStatus.PROCESSING:
            return
        workdir = make_work_dir(self.work_root, video_id)
        progress = self.progress.of(video_id)
        try:
            await self._run(video, workdir, progress, mode)
        except ProbeRejected as rejected:
            log.info("upload rejected", video_id=str(video_id), reason=rejected.reason)
            await asyncio.to_thread(self.videos.fail, video_id, rejected.reason)
            await progress.send("failed", 1.0)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    async def _run(self, video: Video, workdir: Path, progress: Progress, mode: Mode) -> None:
        await progress.send("probing", 0.0)
        source = workdir / "source"
        await asyncio.to_thread(self.store.download, video.source_key, source)
        probe = await asyncio.to_thread(
            probe_upload,
            source,
            timeout=self.settings.probe_timeout_seconds,
            max_duration=self.settings.max_duration_seconds,
        )
        rungs = plan_ladder(probe)
        found = ProbeResult(
            probe.duration,
            probe.width,
            probe.height,
            probe.has_video,
            probe.has_audio,
            tuple(rung.name for rung in rungs),
        )
        await asyncio.to_thread(self.videos.record_probe, video.id, found)
        if mode.long_after is not None and probe.duration > mode.long_after:
            raise FoundLong(probe.duration)
        done = dict(video.renditions)
        state = _State(video.id, probe, source, workdir, done, progress, mode.background)
        todo = [rung for rung in rungs if rung.name not in done]
        if todo and todo[0] == rungs[0] and len(todo) > 1:
            first = todo.pop(0)  # a fast first pass: playable as soon as possible
            await self._encode(state, [first], 0.0, 0.2)
        if probe.has_video and video.thumbnail_key is None:
            await self._images(video.id, probe, source, workdir)
            await self._check_not_deleted(video.id)
        if todo:
            start = 0.2 if len(todo) < len(rungs) else 0.0
            await self._encode(state, todo, start, 1.0)
        if probe.has_video and video.storyboard_key is None:  # within the last stage's 100 %
            timeout = max(self.settings.transcode_timeout_seconds, probe.duration)
            await make_storyboard(
                self.videos, self.store, video.id, probe, source, workdir,
                timeout=timeout, background=mode.background,
            )  # fmt: skip
        await self._check_not_deleted(video.id)
        await asyncio.to_thread(self.videos.mark_ready, video.id)
        await progress.send("ready", 1.0)

    async def _encode(self, state: _State, rungs: list[Rung], start: float, end: float) -> None:
        video_id, probe, progress = state.video_id, state.probe, state.progress
        out = state.workdir / f"pass-{rungs[0].name}"
        for rung in rungs:
            (out / rung.name).mkdir(parents=True)
        stage = "transcoding " + ", ".join(rung.name for rung in rungs)

        async def report(seconds: float) -> None:
            share = min(1.0, seconds / probe.duration) if probe.duration else 0.0
            await progress.send(stage, start + (end - start) * share, force=False)

        argv = ladder_command(state.source, out, rungs, probe, self.settings.preset)
        await progress.send(stage, start)
        timeout = max(self.settings.transcode_timeout_seconds, PASS_SECONDS * probe.duration)
        encoded = await run_ffmpeg(
            argv, timeout=timeout, on_progress=report, background=state.background
        )
        if encoded + 1.0 < probe.duration * 0.9:
            raise ProbeRejected("The file ends early: it seems truncated or damaged.")
        variants = read_master(out / "master.m3u8")
        for rung in rungs:
            rendition = await asyncio.to_thread(
                self._store_rendition,
                video_id,
                out / rung.name,
                rung,
                variants[rung.name],
                state.done,
            )
            position = await asyncio.to_thread(self.videos.add_rendition, video_id, rendition)
            log.info("rendition added", video_id=str(video_id), rung=rung.name, position=position)
            await self._check_not_deleted(video_id)

    def _store_rendition(
        self,
        video_id: UUID,
        folder: Path,
        rung: Rung,
        attributes: dict[str, str],
        done: dict[str, Rendition],
    ) -> Rendition:
        prefix = f"{video_prefix(video_id)}hls/{rung.name}/"
        peak, average = measured_bandwidth(folder)
        for name in [*referenced_files(folder / "index.m3u8"), "index.m3u8"]:
            self.store.put_file(prefix + name, folder / name, _content_type(name), move=True)
        width, _, height = attributes.get("RESOLUTION", "0x0").partition("x")
        rendition = Rendition(
            name=rung.name,
            width=int(width),
            height=int(height),
            bandwidth=peak,
            codecs=attributes.get("CODECS", ""),
            playlist_key=prefix + "index.m3u8",
            average_bandwidth=average,
        )
        done[rung.name] = rendition
        playlist = master_playlist(list(done.values())).encode()
        self.store.put_bytes(master_key(video_id), playlist, CONTENT_TYPES[".m3u8"])
        return rendition

    async def _images(self, video_id: UUID, probe: Probe, source: Path, workdir: Path) -> None:
        out = workdir / "images"
        out.mkdir()
        for argv in image_commands(source, out, probe):
            await run_ffmpeg(argv, timeout=self.settings.probe_timeout_seconds * 4)
        keys = []
        for name in ("thumbnail.jpg", "poster.jpg"):
            keys.append(f"{video_prefix(video_id)}{name}")
            await asyncio.to_thread(self.store.put_file, keys[-1], out / name, "image/jpeg")
        await asyncio.to_thread(self.videos.add_images, video_id, keys[0], keys[1])

    async def _check_not_deleted(self, video_id: UUID) -> None:
        video = await asyncio.to_thread(self.videos.get_video, video_id)
        if video.deleted:
            await asyncio.to_thread(self.store.delete_prefix, video_prefix(video_id))
            raise JobCancelled(str(video_id))


def make_work_dir(root: Path, video_id: UUID) -> Path:
    """A fresh work directory, named ``<video>-<pid>-<random>``."""
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f"{video_id}-{os.getpid()}-", dir=root))


def sweep_work_dirs(root: Path) -> None:
    """Remove work directories of workers that no longer run (see ``make_work_dir``)."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        parts = entry.name.split("-")  # a UUID has five parts: the pid is the sixth
        pid = int(parts[5]) if len(parts) > 6 and parts[5].isdigit() else None
        if pid is not None and pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(entry, ignore_errors=True)


def _content_type(name: str) -> str:
    return CONTENT_TYPES.get(Path(name).suffix, "application/octet-stream")
