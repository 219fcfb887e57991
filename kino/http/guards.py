"""Refuses requests no route can answer sensibly, before they reach one: a URL with a control
character (a NUL in a file name made the static files router fail with a 500) and headers
larger than any browser sends."""

from __future__ import annotations

import json

from litestar.enums import ScopeType
from litestar.types import ASGIApp, HTTPResponseStartEvent, Receive, Scope, Send

MAX_HEADER_BYTES = 16 * 1024


def refusal(scope: Scope) -> tuple[int, str] | None:
    """(status, message) when the request is refused, else None."""
    path = scope.get("path", "")
    if any(ord(c) < 32 or ord(c) == 127 for c in path):
        return 400, "The URL contains a control character."
    headers = scope.get("headers") or []
    if sum(len(name) + len(value) for name, value in headers) > MAX_HEADER_BYTES:
        return 431, f"The request headers are larger than {MAX_HEADER_BYTES // 1024} KB."
    return None


def request_guard_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        refused = refusal(scope) if scope["type"] in (ScopeType.HTTP, ScopeType.WEBSOCKET) else None
        if refused is None:
            await app(scope, receive, send)
        elif scope["type"] == ScopeType.WEBSOCKET:
            await send({"type": "websocket.close", "code": 1008, "reason": refused[1]})
        else:
            status, message = refused
            body = json.dumps({"code": "BAD_USER_INPUT", "message": message}).encode()
            start: HTTPResponseStartEvent = {
                "type": "http.response.start",
                "status": status,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", b"%d" % len(body)),
                ],
            }
            await send(start)
            await send({"type": "http.response.body", "body": body, "more_body": False})

    return middleware
