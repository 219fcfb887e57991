"""tus ``creation``: ``POST /uploads/tus`` with ``Upload-Length`` and ``Upload-Metadata``
creates a video awaiting upload, as ``createVideoUpload`` does, for a client that creates its
uploads itself (any size up to ``KINO_UPLOAD_MAX_BYTES``, beyond GraphQL's 32-bit ``Int``).

Metadata (base64 values, tus style): ``filename`` (or ``name``), ``filetype`` (or ``type``,
``contentType``), ``title`` (default: the filename), ``description``, ``visibility``. The
request carries the user's access token in ``Authorization: Bearer``; the answer's
``Location`` is the upload's ``tusUrl`` (its own token in the URL).
"""

from __future__ import annotations

import base64
import binascii
from contextlib import suppress
from typing import Any
from uuid import UUID

from litestar import Request, Response

from kino.bootstrap.container import Container
from kino.commands.base import run_sync
from kino.commands.uploads import UploadRequest
from kino.domain.errors import KinoError
from kino.domain.video_values import Visibility
from kino.http.errors import error_response
from kino.queries.positions import caught_up

_LIMITS = {"filename": 1000, "title": 1000, "description": 20000, "filetype": 200}


def parse_metadata(header: str) -> dict[str, str] | None:
    """``key base64,key2 base64`` → a dict; None when it is malformed."""
    found: dict[str, str] = {}
    for pair in filter(None, (item.strip() for item in header.split(","))):
        key, _, encoded = pair.partition(" ")
        try:
            found[key] = base64.b64decode(encoded, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
    return found


def _request(metadata: dict[str, str], length: int) -> UploadRequest | str:
    filename = metadata.get("filename") or metadata.get("name") or "upload"
    values = {
        "filename": filename,
        "title": metadata.get("title") or filename,
        "description": metadata.get("description", ""),
        "filetype": metadata.get("filetype")
        or metadata.get("type")
        or metadata.get("contentType", ""),
    }
    for key, limit in _LIMITS.items():
        if len(values[key]) > limit:
            return f"Upload-Metadata {key} is longer than {limit} characters."
    return UploadRequest(
        title=values["title"],
        filename=values["filename"],
        size_bytes=length,
        content_type=values["filetype"],
        description=values["description"],
        visibility=(metadata.get("visibility") or Visibility.PUBLIC).upper(),
    )


def _refusal(status: int, message: str) -> Response[Any]:
    return Response({"code": "BAD_USER_INPUT", "message": message}, status_code=status)


async def create_upload(
    request: Request[Any, Any, Any], container: Container
) -> Response[Any] | tuple[str, UUID]:
    """The new upload's (tusUrl, video id), or the refusal."""
    viewer = await container.accounts.authentication.viewer(request.headers.get("authorization"))
    if viewer is None:
        body = {"code": "UNAUTHENTICATED", "message": "Sign in: send Authorization: Bearer."}
        return Response(body, status_code=401)
    length = request.headers.get("upload-length", "")
    if not length.isdigit():
        return _refusal(400, "Upload-Length is required (Upload-Defer-Length is not supported).")
    if int(length) > container.settings.videos.max_upload_bytes:
        limit = container.settings.videos.max_upload_bytes
        return _refusal(413, f"Uploads are limited to {limit} bytes (Tus-Max-Size).")
    metadata = parse_metadata(request.headers.get("upload-metadata", ""))
    if metadata is None:
        return _refusal(400, "Upload-Metadata is not valid (key base64, …).")
    upload_request = _request(metadata, int(length))
    if isinstance(upload_request, str):
        return _refusal(400, upload_request)
    try:
        created = await run_sync(container.videos.uploads.create, viewer.user_id, upload_request)
    except KinoError as error:
        return error_response(error)
    videos = container.videos
    with suppress(KinoError):  # the upload exists; a slow catalog only delays its page
        await caught_up(videos.catalog, videos.app.name, created.position, timeout=5.0)
    return created.tus_url, created.video_id
