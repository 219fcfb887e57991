"""``POST /auth/refresh`` and ``POST /auth/logout``: the web client's session cookie.

A page trades the HttpOnly refresh cookie (set by a sign-in made with ``Kino-Session:
cookie``) for a short-lived access token it keeps in memory; the refresh token rotates on
every trade, as it does through ``refreshSession``. Both routes ask for the ``Kino-Session``
header, which no form or cross-site request can send without a CORS preflight the api
refuses; the cookies themselves are ``SameSite=Strict``.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, post
from litestar.datastructures import Cookie

from kino.bootstrap.container import Container
from kino.commands.base import run_sync
from kino.domain.errors import BadInputError, KinoError, UnauthenticatedError
from kino.domain.text import opaque
from kino.http.errors import error_response

NO_HEADER = BadInputError("Send the header Kino-Session: cookie with this request.")
SIGNED_OUT = UnauthenticatedError("You are not signed in (or your session ended); sign in.")


class WebSessionController(Controller):
    path = "/auth"
    include_in_schema = False

    @post("/refresh", status_code=200)
    async def refresh(self, request: Request[Any, Any, Any], container: Container) -> Response[Any]:
        accounts = container.accounts
        if not accounts.cookies.asked_for(request.headers):
            return error_response(NO_HEADER)
        raw = request.cookies.get(accounts.cookies.refresh_cookie)
        try:
            if not raw:
                raise SIGNED_OUT
            grant = await run_sync(
                accounts.app.refresh, opaque(raw, field="refreshToken", max_length=256)
            )
            user = await accounts.users.by_id(grant.user_id)
            if user is None:
                raise SIGNED_OUT
        except KinoError as error:
            refused = error_response(error if error.code == "UNAUTHENTICATED" else SIGNED_OUT)
            return _with_cookies(refused, accounts.cookies.cleared())
        answer = {
            "accessToken": accounts.tokens.issue(grant.user_id, grant.session_id),
            "expiresIn": accounts.tokens.ttl_seconds,
            "user": {"id": str(user.id), "handle": user.handle, "displayName": user.display_name},
        }
        return _with_cookies(Response(answer), accounts.cookies.issued(grant.refresh_token))

    @post("/logout", status_code=200)
    async def logout(self, request: Request[Any, Any, Any], container: Container) -> Response[Any]:
        """End the cookie's session (its refresh token proves it is this browser's) and forget
        the cookies. Signing out twice, or with a dead session, is not an error."""
        accounts = container.accounts
        if not accounts.cookies.asked_for(request.headers):
            return error_response(NO_HEADER)
        raw = request.cookies.get(accounts.cookies.refresh_cookie)
        if raw:
            try:
                token = opaque(raw, field="refreshToken", max_length=256)
                grant = await run_sync(accounts.app.refresh, token)
                await run_sync(accounts.app.end_session, grant.session_id)
            except KinoError:
                pass  # already ended, rotated elsewhere (and so ended), or not a token
        return _with_cookies(Response(None, status_code=204), accounts.cookies.cleared())


def _with_cookies(response: Response[Any], cookies: list[dict[str, Any]]) -> Response[Any]:
    response.cookies.extend(Cookie(**cookie) for cookie in cookies)
    response.headers["Cache-Control"] = "no-store"
    return response
