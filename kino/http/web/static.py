"""The web client's files: ``/static/build/*`` (content-hashed bundles: cached for a year,
served compressed, ``kino/http/web/built.py``) and the rest of ``/static`` (revalidated),
with the headers every answer of Kino carries."""

from __future__ import annotations

from litestar.datastructures import CacheControlHeader
from litestar.enums import ScopeType
from litestar.static_files import create_static_files_router
from litestar.types import ASGIApp, ControllerRouterHandler, Message, Receive, Scope, Send

from kino.http.web.assets import STATIC
from kino.http.web.built import built_file

SECURITY_HEADERS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"strict-origin-when-cross-origin"),
)


def static_routes() -> list[ControllerRouterHandler]:
    files = create_static_files_router(
        path="/static",
        directories=[STATIC],
        include_in_schema=False,
        cache_control=CacheControlHeader(no_cache=True),
    )
    return [built_file, files]


def security_headers_middleware(app: ASGIApp) -> ASGIApp:
    """``nosniff`` and a referrer policy on every HTTP answer (pages add their CSP)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [header for header in SECURITY_HEADERS if header[0] not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await app(scope, receive, send_with_headers)

    return middleware
