"""Per-user fair ordering of transcoding jobs, as PeerTube does it (docs/adr/0007).

PeerTube gives a transcoding job the priority ``base + the videos its user uploaded in the
last 7 days``, so a user who uploads a lot waits behind everyone else's first upload. Kino
counts a user's completed uploads of the last 24 hours in a Redis sorted set (member: the
video, score: when its upload completed) and turns the count into one of ``LEVELS`` lanes:
the first upload goes to level 0, the second to level 1, ... the fourth and later to the last.

The count only orders work, it decides nothing else: if Redis has lost the set, or does not
answer, the job goes to level 0 and is transcoded all the same. The score is the event's own
time, so publishing the same event again (a relay restart) gives it the same level.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import structlog
from redis.asyncio import Redis

from kino.infrastructure.broker import LEVELS

log = structlog.get_logger(__name__)

WINDOW_SECONDS = 24 * 3600


class FairShare:
    def __init__(self, redis: Redis, namespace: str) -> None:
        self.redis, self.namespace = redis, namespace

    def _key(self, owner_id: UUID) -> str:
        return f"{self.namespace}:transcode:uploads:{owner_id}"

    async def level(self, owner_id: UUID, video_id: UUID, completed_at: datetime) -> int:
        """The lane level of this upload: how many the owner completed in the window before it."""
        key, at = self._key(owner_id), completed_at.timestamp()
        try:
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(key, {str(video_id): at})
                pipe.zremrangebyscore(key, "-inf", at - WINDOW_SECONDS)
                pipe.zcount(key, f"({at - WINDOW_SECONDS}", f"({at}")
                pipe.expire(key, 2 * WINDOW_SECONDS)
                _, _, earlier, _ = await pipe.execute()
        except Exception as error:  # noqa: BLE001 - fairness is best effort, the job is not
            log.warning("fair-share level unavailable; level 0", error=repr(error))
            return 0
        return min(int(earlier), LEVELS - 1)
