"""The in-memory readers unit tests use answer like the PostgreSQL ones: the same records
read from the real catalog and comments, put into memory, page the same way."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any
from uuid import UUID

import pytest

from kino.bootstrap import Container, Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from kino.queries.comments import CommentReader
from kino.queries.memory import MemoryComments, MemoryUsers, MemoryVideos
from kino.queries.videos import PageRequest, VideoReader
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.watch.helpers import POST, ready_video


@pytest.fixture
async def container(settings, endpoints) -> AsyncIterator[Container]:
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    await services.open()
    yield services
    await services.close()


async def every_page(reader: VideoReader, request: PageRequest) -> list[list[UUID]]:
    """Each page's ids (with the extra row), following the keyset to the end."""
    pages: list[list[UUID]] = []
    while True:
        rows = await reader.page(request)
        pages.append([row.id for row in rows])
        if len(rows) <= request.first:
            return pages
        last = rows[request.first - 1]
        request = PageRequest(
            request.first,
            (last.created_at, last.id),
            request.search,
            request.owner_handle,
            request.mine,
        )


async def test_the_in_memory_catalog_pages_like_postgresql(client, videos_app, container):
    owner, other = await register(client), await register(client)
    word = f"tapir{secrets.token_hex(3)}"
    made = [
        (owner, {"title": f"{word} 0"}),
        (owner, {"title": f"{word} 1", "visibility": "PRIVATE"}),
        (owner, {"title": "Other 2", "description": f"about {word}"}),
        (owner, {"title": f"{word} 3", "visibility": "UNLISTED"}),
        (owner, {"title": f"{word} 4"}),
        (other, {"title": f"{word} theirs"}),
    ]
    ids = [await ready_video(client, videos_app, account, **fields) for account, fields in made]

    real = container.videos.catalog
    users = MemoryUsers()
    for account in (owner, other):
        user = await container.accounts.users.by_id(UUID(account["user"]["id"]))
        assert user is not None
        users.add(user)
    memory = MemoryVideos(users=users)
    for video_id in ids:
        record = await real.by_id(UUID(video_id))
        assert record is not None
        memory.add(record)

    me = UUID(owner["user"]["id"])
    requests = [
        PageRequest(first=2, search=word),
        PageRequest(first=1, search=f"{word} -theirs"),
        PageRequest(first=2, mine=me),
        PageRequest(first=3, mine=me, search=word),
        PageRequest(first=2, owner_handle=owner["user"]["handle"].upper()),
    ]
    for request in requests:
        assert await every_page(memory, request) == await every_page(real, request), request
    listed = await every_page(real, PageRequest(first=2, search=word))
    assert [len(rows) for rows in listed] == [3, 2]  # 4 listed: a page, its extra row, the rest


async def every_comment_page(
    reader: CommentReader, video_id: UUID, first: int
) -> list[list[tuple[UUID, list[UUID]]]]:
    pages = []
    after: tuple[datetime, UUID] | None = None
    while True:
        rows = await reader.top_level(video_id, first, after)
        replies = await reader.replies([row.id for row in rows], 1, None)
        pages.append([(row.id, [reply.id for reply in replies[row.id]]) for row in rows])
        if len(rows) <= first:
            return pages
        after = (rows[first - 1].created_at, rows[first - 1].id)


async def test_the_in_memory_comments_page_like_postgresql(client, videos_app, container):
    owner = await register(client)
    token = owner["accessToken"]
    video_id = await ready_video(client, videos_app, owner)

    async def post(body: str, parent: str | None = None) -> str:
        variables: dict[str, Any] = {"video": video_id, "body": body, "parent": parent}
        return str((await gql(client, POST, variables, token=token))["postComment"]["id"])

    tops = [await post(f"top {n}") for n in range(4)]
    for n in range(3):
        await post(f"reply {n}", tops[1])

    real = container.comments.queries
    memory = MemoryComments()
    rows = await real.top_level(UUID(video_id), 10, None)
    memory.add(*rows, *(await real.replies([row.id for row in rows], 10, None))[UUID(tops[1])])
    assert len(rows) == 4
    for first in (1, 3, 5):
        assert await every_comment_page(memory, UUID(video_id), first) == (
            await every_comment_page(real, UUID(video_id), first)
        ), first
