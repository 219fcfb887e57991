"""``/static/build/*``: the bundled scripts, content-hashed (cached for a year), served
compressed. The build (``kino/web/build.mjs``) writes a Brotli (``.br``) and a gzip (``.gz``)
copy of each script next to it; a browser gets the smallest one its ``Accept-Encoding``
allows (the player's bundle: about 850 KB as is, about 200 KB as Brotli)."""

from __future__ import annotations

from pathlib import Path

from litestar import Request, get
from litestar.datastructures import State
from litestar.exceptions import NotFoundException
from litestar.response import File

from kino.http.web.assets import STATIC

BUILD = STATIC / "build"
IMMUTABLE = "public, max-age=31536000, immutable"
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))  # preferred first
TYPES = {".js": "text/javascript; charset=utf-8", ".json": "application/json", ".txt": "text/plain"}


def accepted(header: str) -> set[str]:
    """The encodings ``Accept-Encoding`` allows (``q=0`` refuses one)."""
    allowed = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if name and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            allowed.add(name.strip().lower())
    return allowed


def pick(name: str, accept_encoding: str, folder: Path = BUILD) -> tuple[Path, str | None]:
    """The file to send for ``name`` and its Content-Encoding (None: as built)."""
    plain = (folder / name).resolve()
    if plain.parent != folder.resolve() or not plain.is_file() or plain.suffix in (".br", ".gz"):
        raise NotFoundException()
    allowed = accepted(accept_encoding)
    for encoding, suffix in ENCODINGS:
        compressed = plain.with_name(plain.name + suffix)
        if encoding in allowed and compressed.is_file():
            return compressed, encoding
    return plain, None


@get("/static/build/{name:str}", include_in_schema=False, sync_to_thread=False)
def built_file(request: Request[object, object, State], name: str) -> File:
    path, encoding = pick(name, request.headers.get("accept-encoding", ""))
    headers = {"Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding"}
    if encoding:
        headers["Content-Encoding"] = encoding
    return File(
        path,
        media_type=TYPES.get(Path(name).suffix, "application/octet-stream"),
        content_disposition_type="inline",
        headers=headers,
    )
