"""Password sign-in behind the failed-sign-in throttle: the use case the api calls."""

from __future__ import annotations

from typing import Protocol

from kino.commands.accounts import Accounts, SessionGrant
from kino.commands.base import run_sync
from kino.domain.errors import UnauthenticatedError
from kino.domain.identity import check_password, login_to_find


class Throttle(Protocol):
    async def check(self, login: str, address: str) -> None:
        """RateLimitedError while the account or the address failed too often."""

    async def failed(self, login: str, address: str) -> None: ...


class SignIn:
    def __init__(self, accounts: Accounts, throttle: Throttle) -> None:
        self.accounts = accounts
        self.throttle = throttle

    async def login(self, login: str, password: str, *, client: str, address: str) -> SessionGrant:
        """The text is checked before the throttle counts anything or a user is looked up."""
        login = login_to_find(login)
        password = check_password(password)
        await self.throttle.check(login, address)
        try:
            return await run_sync(self.accounts.login, login, password, client=client)
        except UnauthenticatedError:
            await self.throttle.failed(login, address)
            raise
