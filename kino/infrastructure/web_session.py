"""The browser's session: its refresh token lives in an HttpOnly cookie no script can read.

The web client keeps its access token in memory only. A sign-in made with the header
``Kino-Session: cookie`` gets its refresh token as this cookie instead of in the answer; the
page then trades the cookie for an access token at ``POST /auth/refresh`` (the cookie's
path, so no other request carries it), which rotates it. A second, readable cookie only
says "signed in" so pages render the right header before their script runs; it grants
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar, Literal

REFRESH_PATH = "/auth"


@dataclass(frozen=True)
class SessionCookies:
    secure: bool  # HTTPS only outside development (http://127.0.0.1 must work there)
    max_age: int  # the refresh token's lifetime

    mode_header: ClassVar[str] = "kino-session"  # its value `cookie` asks for the cookie
    cookie_mode: ClassVar[str] = "cookie"
    refresh_cookie: ClassVar[str] = "kino_refresh"
    signed_in_cookie: ClassVar[str] = "kino_signed_in"

    def asked_for(self, headers: Any) -> bool:
        """Whether a request (its headers) asks for the session as cookies."""
        return bool(headers.get(self.mode_header) == self.cookie_mode)

    def issued(self, refresh_token: str) -> list[dict[str, Any]]:
        """The cookies a sign-in or a refresh sets (keyword arguments of a Litestar Cookie)."""
        return [
            self._cookie(self.refresh_cookie, refresh_token, REFRESH_PATH, http_only=True),
            self._cookie(self.signed_in_cookie, "1", "/", http_only=False),
        ]

    def cleared(self) -> list[dict[str, Any]]:
        """The same cookies, expired (sign-out, or a refresh token no longer valid)."""
        return [
            {**self._cookie(self.refresh_cookie, "", REFRESH_PATH, http_only=True), "max_age": 0},
            {**self._cookie(self.signed_in_cookie, "", "/", http_only=False), "max_age": 0},
        ]

    def _cookie(self, key: str, value: str, path: str, *, http_only: bool) -> dict[str, Any]:
        samesite: Literal["strict"] = "strict"
        return {
            "key": key,
            "value": value,
            "path": path,
            "max_age": self.max_age,
            "httponly": http_only,
            "secure": self.secure,
            "samesite": samesite,
        }
