"""The signed-in user a page's script asks as.

A browser's navigation carries no access token (it lives in the page's memory), so pages
render for anyone. The watch page's script asks for its page again with
``Authorization: Bearer`` to show a PRIVATE video to its owner: only such a request is
rendered for a user, and its answer is never stored by a cache.
"""

from __future__ import annotations

from typing import Any

from litestar import Request

from kino.bootstrap.container import Container
from kino.commands.authentication import Viewer

# The answer to a request that carried a user's token: for them alone, kept by no cache.
PERSONAL = {"Cache-Control": "private, no-store"}
# Pages that render for a user when asked with a token vary on it.
VARY = {"Vary": "Authorization"}


async def page_viewer(request: Request[Any, Any, Any], container: Container) -> Viewer | None:
    """The user of ``Authorization: Bearer``; None without one. A token that is not valid (or
    whose session ended) raises ``UnauthenticatedError``: the page answers 401, and the script
    refreshes its token once."""
    authorization = request.headers.get("authorization")
    if not authorization:
        return None
    return await container.accounts.authentication.viewer(authorization)
