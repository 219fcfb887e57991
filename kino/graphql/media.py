"""HTTP routes for media: the upload endpoint (filesystem store) and HLS/image delivery.

``PUT /uploads/{videoId}?token=…`` streams the body to the object store; the signed token
binds it to one video, its owner and the declared size. A body larger than declared is
refused (413) and the video fails, so nothing is left behind.

``GET /media/{videoId}/{path}``: see ``kino.graphql.playback``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Request, Response, put
from litestar.handlers import BaseRouteHandler

from kino.domain.errors import KinoError
from kino.domain.video_rules import stored_content_type
from kino.domain.videos import AWAITING_UPLOAD
from kino.graphql.context import Services
from kino.graphql.playback import playback_routes
from kino.infrastructure.storage.filesystem import STALE_SECONDS, remove_stale_files

_STATUS = {
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "BAD_USER_INPUT": 400,
}


def _error(error: KinoError) -> Response[dict[str, str]]:
    return Response(
        {"code": error.code, "message": error.message}, status_code=_STATUS.get(error.code, 500)
    )


def media_routes(services: Services) -> list[BaseRouteHandler]:
    videos = services.videos
    staging = services.settings.data_dir / "uploads"

    # The token's size is the real limit (checked while streaming); Litestar's own default
    # (10 MB) would refuse most videos.
    @put("/uploads/{video_id:uuid}", status_code=200, request_max_body_size=None)
    async def upload(request: Request[Any, Any, Any], video_id: UUID) -> Response[Any]:
        try:
            grant = videos.uploads.verify(request.query_params.get("token", ""), video_id)
            video = await asyncio.to_thread(videos.app.get_video, video_id)
            video.check_owner(grant.user_id)
        except KinoError as error:
            return _error(error)
        if video.status != AWAITING_UPLOAD:
            message = (
                f"This upload failed: {video.failure_reason}"
                if video.failure_reason
                else "This upload was already completed; the URL cannot be used again."
            )
            return Response({"code": "CONFLICT", "message": message}, status_code=409)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > grant.size_bytes:
            return await _too_large(video_id, grant.size_bytes)
        staging.mkdir(parents=True, exist_ok=True)
        await asyncio.to_thread(remove_stale_files, staging, STALE_SECONDS)
        fd, name = tempfile.mkstemp(dir=staging, prefix=f"{video_id}-")
        path = Path(name)
        try:
            received = 0
            with os.fdopen(fd, "wb") as handle:
                async for chunk in request.stream():
                    received += len(chunk)
                    if received > grant.size_bytes:
                        break
                    await asyncio.to_thread(handle.write, chunk)
            if received > grant.size_bytes:
                return await _too_large(video_id, grant.size_bytes)
            await asyncio.to_thread(
                videos.store.put_file,
                video.source_key,
                path,
                stored_content_type(video.content_type),
                move=True,
            )
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
        return Response({"received": received}, status_code=200)

    async def _too_large(video_id: UUID, size: int) -> Response[Any]:
        reason = f"The uploaded file is larger than the {size} bytes declared."
        await asyncio.to_thread(videos.app.fail, video_id, reason)
        return Response({"code": "BAD_USER_INPUT", "message": reason}, status_code=413)

    return [upload, *playback_routes(services)]
