"""``PUT /uploads/{videoId}?token=…``: the upload endpoint of the api (used when the object
store gives no presigned URL, as the filesystem store does).

The body is streamed to a staging file, then kept as the upload's source; the signed token
binds it to one video, its owner and the declared size (``Uploads.open_slot``). A body larger
than declared is refused (413) and the video fails, so nothing is left behind.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, put

from kino.bootstrap.container import Container, VideosParts
from kino.commands.base import run_sync
from kino.commands.uploads import Uploads, UploadSlot
from kino.domain.errors import KinoError
from kino.http.errors import error_response


class UploadController(Controller):
    path = "/uploads"

    # The token's size is the real limit (checked while streaming); Litestar's own default
    # (10 MB) would refuse most videos.
    @put("/{video_id:uuid}", status_code=200, request_max_body_size=None)
    async def upload(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID
    ) -> Response[Any]:
        uploads = container.videos.uploads
        try:
            slot = await run_sync(
                uploads.open_slot, request.query_params.get("token", ""), video_id
            )
        except KinoError as error:
            return error_response(error)
        declared = request.headers.get("content-length")
        if declared is not None and declared.isdigit() and int(declared) > slot.size_bytes:
            return await _too_large(uploads, slot)
        received = await _receive(request, container.videos, slot)
        if received is None:
            return await _too_large(uploads, slot)
        return Response({"received": received}, status_code=200)


async def _receive(
    request: Request[Any, Any, Any], videos: VideosParts, slot: UploadSlot
) -> int | None:
    """Stream the body to a staging file and keep it; None when it is larger than declared."""
    handle, path = await asyncio.to_thread(videos.staging.new_file, f"{slot.video_id}-")
    try:
        received = 0
        with handle:
            async for chunk in request.stream():
                received += len(chunk)
                if received > slot.size_bytes:
                    return None
                await asyncio.to_thread(handle.write, chunk)
        await run_sync(videos.uploads.keep, slot, path)
        return received
    finally:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


async def _too_large(uploads: Uploads, slot: UploadSlot) -> Response[Any]:
    reason = await run_sync(uploads.refuse_oversized, slot)
    return Response({"code": "BAD_USER_INPUT", "message": reason}, status_code=413)
