"""What the api needs for videos: the application, the catalog, object storage, upload tokens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from kino.commands.videos import Videos
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.uploads import UploadTokens
from kino.queries.videos import VideoQueries


@dataclass
class VideoServices:
    app: Videos
    catalog: VideoQueries
    store: ObjectStore
    uploads: UploadTokens
    public_url: str
    max_upload_bytes: int

    def media_url(self, video_id: UUID, key: str | None) -> str | None:
        """The api URL of a stored object: ``videos/<id>/x`` → ``{public}/media/<id>/x``."""
        if not key:
            return None
        prefix = f"videos/{video_id}/"
        return f"{self.public_url}/media/{video_id}/{key.removeprefix(prefix)}"

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)
