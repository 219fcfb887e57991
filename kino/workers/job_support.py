"""Support for transcoding jobs: progress on Redis pub/sub, sweeping dead workers' files."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path
from uuid import UUID

import structlog
from redis.asyncio import Redis

from kino.infrastructure.embedded import pid_alive
from kino.infrastructure.pubsub import progress_channel

log = structlog.get_logger(__name__)


class Progress:
    """Publishes ``{stage, progress}`` on the video's Redis channel, at most ~4 times a second."""

    def __init__(self, redis: Redis, namespace: str, video_id: UUID) -> None:
        self.redis, self.channel = redis, progress_channel(namespace, video_id)
        self._last = 0.0

    async def send(self, stage: str, progress: float, *, force: bool = True) -> None:
        now = time.monotonic()
        if not force and now - self._last < 0.25:
            return
        self._last = now
        message = json.dumps({"stage": stage, "progress": round(min(1.0, progress), 4)})
        try:
            await self.redis.publish(self.channel, message)
        except Exception as error:  # noqa: BLE001 - progress is best effort
            log.warning("progress not published", error=repr(error))


def sweep_work_dirs(root: Path) -> None:
    """Remove work directories of workers that no longer run (named ``<video>-<pid>-*``)."""
    root.mkdir(parents=True, exist_ok=True)
    for entry in root.iterdir():
        parts = entry.name.split("-")
        pid = int(parts[5]) if len(parts) > 6 and parts[5].isdigit() else None
        if pid is not None and pid != os.getpid() and not pid_alive(pid):
            shutil.rmtree(entry, ignore_errors=True)
