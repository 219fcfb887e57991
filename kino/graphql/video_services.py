"""What the api needs for videos: the application, the catalog, object storage, upload tokens."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from uuid import UUID

from kino.commands.videos import Videos
from kino.infrastructure.media_tokens import MediaTokens
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.uploads import UploadTokens
from kino.infrastructure.view_counter import ViewCounter
from kino.queries.videos import VideoQueries


@dataclass
class VideoServices:
    app: Videos
    catalog: VideoQueries
    store: ObjectStore
    uploads: UploadTokens
    public_url: str
    max_upload_bytes: int
    media_tokens: MediaTokens
    views: ViewCounter

    def media_url(self, video_id: UUID, key: str | None, token: str | None = None) -> str | None:
        """The api URL of a stored object: ``videos/<id>/x`` → ``{public}/media/<id>/x``.

        ``token``: a media token for PRIVATE videos, carried in the URL (players send no
        Authorization header); the api appends it to every URL inside the playlists too.
        """
        if not key:
            return None
        prefix = f"videos/{video_id}/"
        url = f"{self.public_url}/media/{video_id}/{key.removeprefix(prefix)}"
        return f"{url}?token={token}" if token else url

    async def close(self) -> None:
        await asyncio.to_thread(self.app.close)
