"""Per-request context: the container, the signed-in viewer, the request's dataloaders."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from strawberry.litestar import BaseContext
from strawberry.types import Info as StrawberryInfo

from kino.bootstrap.container import Container
from kino.commands.authentication import Viewer
from kino.domain.errors import UnauthenticatedError
from kino.graphql.fanout import RunMarks, SharedSubscriptions
from kino.graphql.loaders import Loaders


class KinoContext(BaseContext, kw_only=True):
    container: Container
    fanout: SharedSubscriptions
    run_marks: RunMarks | None = None  # set when the operation runs shared (fanout.py)
    client_address: str = "unknown"
    user_agent: str = ""
    authorization: str | None = None
    connection_params: dict[str, Any] | None = None
    _viewer: Viewer | None = None
    _authenticated: bool = False
    _loaders: Loaders | None = None

    def loaders(self) -> Loaders:
        """This request's dataloaders (created on first use)."""
        if self._loaders is None:
            self._loaders = Loaders(self.container)
        return self._loaders

    async def viewer(self) -> Viewer | None:
        """The signed-in user, or None; a presented but invalid token is an error."""
        if not self._authenticated:
            self._viewer = await self.container.accounts.authentication.viewer(
                self.authorization or self._connection_authorization()
            )
            self._authenticated = True
        return self._viewer

    def _connection_authorization(self) -> str | None:
        """A websocket's ``connection_init`` payload carries the Authorization instead."""
        params = self.connection_params or {}
        raw = params.get("Authorization") or params.get("authorization")
        return raw if isinstance(raw, str) else None

    async def user_id(self) -> UUID | None:
        """The signed-in user's id, or None (a use case asks only when it needs to know)."""
        viewer = await self.viewer()
        return viewer.user_id if viewer else None

    @property
    def signed_in(self) -> Viewer | None:
        """The viewer once ``viewer()`` has run (None before that, and when anonymous)."""
        return self._viewer

    async def require_viewer(self) -> Viewer:
        viewer = await self.viewer()
        if viewer is None:
            raise UnauthenticatedError("Sign in to do that.")
        return viewer


Info = StrawberryInfo[KinoContext, None]
