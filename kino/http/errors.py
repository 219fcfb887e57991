"""A ``KinoError`` as a plain HTTP answer: its code, its message, the matching status."""

from __future__ import annotations

from litestar import Response

from kino.domain.errors import KinoError

STATUS = {
    "BAD_USER_INPUT": 400,
    "UNAUTHENTICATED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
}


def error_response(error: KinoError, status: int | None = None) -> Response[dict[str, str]]:
    body = {"code": error.code, "message": error.message}
    return Response(body, status_code=status or STATUS.get(error.code, 500))
