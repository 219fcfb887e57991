"""``GET /media/{videoId}/{path}``: playlists, segments, images and the storyboard's WebVTT
index for players.

PUBLIC and UNLISTED media go to anyone, cross-origin (``Access-Control-Allow-Origin: *``).
PRIVATE media goes to its owner only: with ``?token=`` (a short-lived media token the
catalog puts in the owner's URLs, valid while the session it was issued to is; the playlists
and the storyboard index served with it carry it on every URL inside) or
``Authorization: Bearer``. Anyone else gets 404. Byte ranges are answered with 206; segments
and images are immutable, playlists and indexes are revalidated (``no-cache``).
"""

from __future__ import annotations

import asyncio
import re
from pathlib import Path
from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response, get
from litestar.response import Stream

from kino.bootstrap.container import Container, ObjectStore
from kino.domain.errors import KinoError
from kino.domain.video_rules import is_media_path, video_prefix
from kino.domain.video_values import Visibility
from kino.http.errors import error_response
from kino.queries.videos import VideoRecord

CONTENT_TYPES = {
    ".m3u8": "application/vnd.apple.mpegurl",
    ".m4s": "video/iso.segment",
    ".mp4": "video/mp4",
    ".jpg": "image/jpeg",
    ".vtt": "text/vtt; charset=utf-8",
}
INDEXES = (".m3u8", ".vtt")  # small texts that name other media: read whole, revalidated
IMMUTABLE = "max-age=31536000, immutable"
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_MAP_URI = re.compile(r'(#EXT-X-MAP:URI=")([^"]+)(")')
_NOT_FOUND = {"code": "NOT_FOUND", "message": "There is no such media."}


def cache_control(path: str, private: bool) -> str:
    scope = "private" if private else "public"
    return f"{scope}, no-cache" if path.endswith(INDEXES) else f"{scope}, {IMMUTABLE}"


def parse_range(header: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) byte of a single range; None: the whole object; False: unsatisfiable."""
    if not header:
        return None
    match = _RANGE.match(header.strip())
    if match is None or match.groups() == ("", ""):
        return None  # multiple or malformed ranges: answer the whole object (RFC 9110)
    start, end = match.groups()
    if start == "":
        first, last = max(0, size - int(end)), size - 1
    else:
        first, last = int(start), min(int(end), size - 1) if end else size - 1
    return (first, last) if first <= last and first < size else False


def with_token(playlist: str, token: str) -> str:
    """Carry the media token on every URL of a playlist (players add no headers)."""

    def signed(uri: str) -> str:
        return f"{uri}{'&' if '?' in uri else '?'}token={token}"

    lines = [
        signed(line)
        if line and not line.startswith("#")
        else _MAP_URI.sub(lambda m: m.group(1) + signed(m.group(2)) + m.group(3), line)
        for line in playlist.splitlines()
    ]
    return "\n".join(lines) + "\n"


def vtt_with_token(index: str, token: str) -> str:
    """Carry the media token on every tile URL of a storyboard index (before its fragment)."""

    def signed(line: str) -> str:
        url, _, fragment = line.partition("#")
        return f"{url}{'&' if '?' in url else '?'}token={token}#{fragment}"

    lines = [signed(line) if "#xywh=" in line else line for line in index.splitlines()]
    return "\n".join(lines) + "\n"


class MediaController(Controller):
    path = "/media"

    @get("/{video_id:uuid}/{path:path}")
    async def media(
        self, request: Request[Any, Any, Any], container: Container, video_id: UUID, path: str
    ) -> Response[Any]:
        path = path.lstrip("/")
        videos = container.videos
        record = await videos.catalog.by_id(video_id) if is_media_path(path) else None
        if record is None:
            return Response(_NOT_FOUND, status_code=404)
        private = record.visibility is Visibility.PRIVATE
        headers = {"Cache-Control": cache_control(path, private)}
        if private:
            try:
                if not await _owner_asks(request, container, record):
                    return Response(_NOT_FOUND, status_code=404)
            except KinoError as error:
                return error_response(error, 401)
        else:
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Access-Control-Expose-Headers"] = "Content-Length, Content-Range"
        key = video_prefix(video_id) + path
        if path.endswith(INDEXES):
            token = request.query_params.get("token") if private else None
            return await _index(videos.store, key, token, headers)
        return await _ranged(videos.store, key, request.headers.get("range"), headers)


async def _owner_asks(
    request: Request[Any, Any, Any], container: Container, record: VideoRecord
) -> bool:
    return await container.accounts.authentication.owns(
        record.owner_id,
        record.id,
        request.query_params.get("token"),
        request.headers.get("authorization"),
    )


async def _index(
    store: ObjectStore, key: str, token: str | None, headers: dict[str, str]
) -> Response[Any]:
    """A playlist or a storyboard index, carrying the media token on every URL inside when
    there is one."""
    if await asyncio.to_thread(store.stat, key) is None:
        return Response(_NOT_FOUND, status_code=404, headers=headers)
    body = b"".join(await asyncio.to_thread(lambda: list(store.read(key))))
    suffix = Path(key).suffix
    if token:
        sign = vtt_with_token if suffix == ".vtt" else with_token
        body = sign(body.decode(), token).encode()
    return Response(body, media_type=CONTENT_TYPES[suffix], headers=headers)


async def _ranged(
    store: ObjectStore, key: str, range_header: str | None, headers: dict[str, str]
) -> Response[Any]:
    """A segment or an image, whole (200) or one byte range of it (206)."""
    info = await asyncio.to_thread(store.stat, key)
    if info is None:
        return Response(_NOT_FOUND, status_code=404, headers=headers)
    media_type = CONTENT_TYPES.get(Path(key).suffix, "application/octet-stream")
    headers["Accept-Ranges"] = "bytes"
    wanted = parse_range(range_header, info.size)
    if wanted is False:
        headers["Content-Range"] = f"bytes */{info.size}"
        return Response(b"", status_code=416, headers=headers)
    first, last = wanted if isinstance(wanted, tuple) else (0, info.size - 1)
    chunks = await asyncio.to_thread(store.read, key, offset=first, length=last - first + 1)
    headers["Content-Length"] = str(last - first + 1)
    status = 200
    if isinstance(wanted, tuple):
        status, headers["Content-Range"] = 206, f"bytes {first}-{last}/{info.size}"
    return Stream(chunks, media_type=media_type, headers=headers, status_code=status)
