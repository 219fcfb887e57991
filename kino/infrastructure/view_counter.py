"""Counts video views in Redis: once per viewer per video per window, no event per view.

``record`` marks (video, viewer) as seen for the window and, only when it was not seen
already, adds one to the video's pending count, in one Lua call. The projector folds
pending counts into PostgreSQL (``kino.projections.view_counts``).
"""

from __future__ import annotations

import hashlib
from uuid import UUID

from redis.asyncio import Redis

MIN_SECONDS_WATCHED = 5.0
WINDOW_SECONDS = 3600

_RECORD = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  redis.call('HINCRBY', KEYS[2], ARGV[2], 1)
  return 1
end
return 0
"""


def pending_key(namespace: str) -> str:
    return f"{namespace}:views:pending"


class ViewCounter:
    def __init__(
        self,
        client: Redis,
        namespace: str,
        *,
        min_seconds: float = MIN_SECONDS_WATCHED,
        window_seconds: int = WINDOW_SECONDS,
    ) -> None:
        self._namespace = namespace
        self.min_seconds = min_seconds
        self.window_seconds = window_seconds
        self._record = client.register_script(_RECORD)

    async def record(self, video_id: UUID, viewer: str, seconds_watched: float) -> bool:
        """True when this play counts as a new view."""
        if seconds_watched < self.min_seconds:
            return False
        digest = hashlib.sha256(viewer.encode()).hexdigest()[:32]
        seen = f"{self._namespace}:views:seen:{video_id}:{digest}"
        counted = await self._record(
            keys=[seen, pending_key(self._namespace)], args=[self.window_seconds, str(video_id)]
        )
        return bool(counted)
