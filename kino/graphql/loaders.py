"""Per-request dataloaders: a page of N videos or comments costs a bounded number of queries.

Created lazily by ``KinoContext.loaders()``, one set per request, so nothing is cached
across requests (or across users).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from uuid import UUID

from strawberry.dataloader import DataLoader

from kino.bootstrap.container import Container
from kino.queries.comments import CommentRecord, Keyset
from kino.queries.users import UserRecord

RepliesKey = tuple[UUID, int, Keyset | None]


class Loaders:
    def __init__(self, container: Container) -> None:
        self._container = container
        self.users: DataLoader[UUID, UserRecord | None] = DataLoader(self._users)
        self.replies: DataLoader[RepliesKey, list[CommentRecord]] = DataLoader(self._replies)

    async def _users(self, ids: Sequence[UUID]) -> list[UserRecord | None]:
        found = await self._container.accounts.users.by_ids(list(dict.fromkeys(ids)))
        return [found.get(user_id) for user_id in ids]

    async def _replies(self, keys: Sequence[RepliesKey]) -> list[list[CommentRecord]]:
        """One query per distinct (first, after): in practice one per request."""
        found: dict[RepliesKey, list[CommentRecord]] = {}
        ordered = sorted(set(keys), key=lambda key: (key[1], str(key[2])))
        for (first, after), group in groupby(ordered, key=lambda key: (key[1], key[2])):
            parents = [key[0] for key in group]
            replies = await self._container.comments.queries.replies(parents, first, after)
            for parent in parents:
                found[(parent, first, after)] = replies[parent]
        return [found[key] for key in keys]
