"""CORS for the api: the configured origins everywhere, except the tus upload paths, which any
origin may use (a browser uploads from wherever the web client or an embedding site runs; the
upload's own token in the URL is the authorisation, no cookie is involved).

Litestar applies its ``cors_config`` before routing, to every path alike, so the api installs
this dispatcher as its first middleware instead: tus paths get their own answer, every other
path Litestar's CORS middleware with the api's configuration.
"""

from __future__ import annotations

from litestar.config.cors import CORSConfig
from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import DefineMiddleware

# Litestar's own CORS middleware (what ``cors_config`` installs), used for the other paths.
from litestar.middleware._internal.cors import CORSMiddleware
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

TUS_PREFIX = "/uploads/tus"
TUS_ALLOW_HEADERS = (
    "Authorization, Content-Type, Tus-Resumable, Upload-Offset, Upload-Length, "
    "Upload-Metadata, Upload-Checksum, Upload-Token, Upload-Defer-Length, Upload-Concat, "
    "X-HTTP-Method-Override, X-Requested-With"
)
TUS_EXPOSE_HEADERS = (
    "Upload-Offset, Upload-Length, Upload-Expires, Tus-Version, Tus-Resumable, Tus-Max-Size, "
    "Tus-Extension, Tus-Checksum-Algorithm, Location"
)
TUS_METHODS = "POST, HEAD, PATCH, DELETE, OPTIONS"


def cors_middleware(config: CORSConfig) -> DefineMiddleware:
    return DefineMiddleware(_Dispatch, config=config)


class _Dispatch:
    def __init__(self, app: ASGIApp, config: CORSConfig) -> None:
        self.app = app
        self.general = CORSMiddleware(app=app, config=config)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP or not scope["path"].startswith(TUS_PREFIX):
            await self.general(scope, receive, send)
            return
        headers = dict(scope["headers"])
        if b"origin" not in headers:
            await self.app(scope, receive, send)
        elif scope["method"] == "OPTIONS" and b"access-control-request-method" in headers:
            await _preflight(send)
        else:
            await self.app(scope, receive, _exposing(send))


async def _preflight(send: Send) -> None:
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 204,
        "headers": [
            (b"access-control-allow-origin", b"*"),
            (b"access-control-allow-methods", TUS_METHODS.encode()),
            (b"access-control-allow-headers", TUS_ALLOW_HEADERS.encode()),
            (b"access-control-max-age", b"86400"),
            (b"tus-resumable", b"1.0.0"),
        ],
    }
    await send(start)
    body: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
    await send(body)


def _exposing(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableScopeHeaders.from_message(message=message)
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Access-Control-Expose-Headers"] = TUS_EXPOSE_HEADERS
        await send(message)

    return wrapped
