"""How each live session is doing (input bitrate, frame rate, encoder speed, rungs, dropped
frames): Prometheus series for operators, and a small board in Redis for the api, which shows
a stream's owner its health in the studio.

The ingest records measures as its sessions report them (``LIVE_HEALTH``) and posts every
stream's latest ones every ``POST_SECONDS``, each with a short lifetime: a stream whose ingest
went away has no health, not a stale one.
"""

from __future__ import annotations

import json
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from redis.asyncio import Redis

from kino.infrastructure import metrics

POST_SECONDS = 2.0
LIFETIME_SECONDS = 10


class SessionMeasures:
    """The latest measures of the sessions this process runs, by session name (the
    renamed stream, ``<stream id>-s<n>``)."""

    def __init__(self) -> None:
        self._latest: dict[str, dict[str, float]] = {}

    def record(self, session: str, measure: str, value: float) -> None:
        metrics.live_measure(session, measure, value)
        self._latest.setdefault(session, {})[measure] = value

    def forget(self, session: str) -> None:
        metrics.forget_live_session(session)
        self._latest.pop(session, None)

    def by_stream(self) -> dict[UUID, dict[str, float]]:
        streams: dict[UUID, dict[str, float]] = {}
        for session, measures in self._latest.items():
            with suppress(ValueError):
                streams[UUID(session[:36])] = dict(measures)
        return streams


LIVE_HEALTH = SessionMeasures()


@dataclass(frozen=True)
class StreamHealth:
    input_bits_per_second: float | None
    fps: float | None
    encoder_speed: float | None
    rungs: int | None
    dropped_frames: int | None
    updated_at: datetime


class HealthBoard:
    """Streams' health in Redis: the ingest posts, the api reads."""

    def __init__(self, redis: Redis, namespace: str) -> None:
        self._redis, self._namespace = redis, namespace

    def _key(self, stream_id: UUID) -> str:
        return f"{self._namespace}:live-health:{stream_id}"

    async def post(self, streams: dict[UUID, dict[str, float]]) -> None:
        if not streams:
            return
        now = datetime.now(UTC).isoformat()
        async with self._redis.pipeline(transaction=False) as pipe:
            for stream_id, measures in streams.items():
                value = json.dumps({**measures, "updatedAt": now})
                pipe.set(self._key(stream_id), value, ex=LIFETIME_SECONDS)
            await pipe.execute()

    async def read(self, stream_id: UUID) -> StreamHealth | None:
        raw = await self._redis.get(self._key(stream_id))
        if raw is None:
            return None
        data = json.loads(raw)

        def number(name: str) -> float | None:
            value = data.get(name)
            return float(value) if isinstance(value, int | float) else None

        rungs, dropped = number("rungs"), number("dropped_frames")
        return StreamHealth(
            input_bits_per_second=number("input_bits_per_second"),
            fps=number("fps"),
            encoder_speed=number("encoder_speed"),
            rungs=None if rungs is None else int(rungs),
            dropped_frames=None if dropped is None else int(dropped),
            updated_at=datetime.fromisoformat(data["updatedAt"]),
        )
