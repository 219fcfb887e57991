"""Queries of the accounts context: who am I, a user by handle, the sign-in providers."""

from __future__ import annotations

import strawberry

from kino.domain.identity import handle_to_find
from kino.graphql.accounts.types import UserType, load_user
from kino.graphql.context import Info
from kino.graphql.ids import bounded


@strawberry.type
class AccountsQuery:
    @strawberry.field
    async def me(self, info: Info) -> UserType | None:
        viewer = await info.context.viewer()
        return await load_user(info.context, viewer.user_id, is_self=True) if viewer else None

    @strawberry.field
    async def user(self, info: Info, handle: str) -> UserType | None:
        wanted = handle_to_find(bounded(handle, "handle", 64))
        record = await info.context.container.accounts.users.by_handle(wanted)
        return UserType.from_record(record) if record else None

    @strawberry.field(description="The names of the configured OpenID Connect providers.")
    def oauth_providers(self, info: Info) -> list[str]:
        return info.context.container.accounts.oidc.names()
