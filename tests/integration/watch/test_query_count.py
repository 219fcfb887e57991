"""Dataloaders: a page of videos with owners, or of comments with authors and replies, costs
the same number of read-model queries for 5 items as for 50."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.watch.helpers import POST, ready_video

VIDEOS = """query($q: String, $first: Int) { videos(first: $first, query: $q) {
  edges { node { id title owner { handle displayName } } } } }"""
COMMENTS = """query($video: ID!, $first: Int) { comments(videoId: $video, first: $first) {
  edges { node { id author { handle } replyCount
    replies(first: 3) { edges { node { id author { handle } } } } } } } }"""


class Counting:
    """Counts read-model round trips: every reader checks out one pooled connection per query."""

    def __init__(self, pool: Any) -> None:
        self.count = 0
        original = pool.connection

        @asynccontextmanager
        async def connection(*args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            self.count += 1
            async with original(*args, **kwargs) as conn:
                yield conn

        pool.connection = connection

    async def measure(self, client: Any, query: str, variables: dict[str, Any]) -> int:
        before = self.count
        # A fresh answer: the response cache would add its snapshot query, then skip the rest.
        data = await gql(client, query, variables, headers={"Cache-Control": "no-cache"})
        assert data
        return self.count - before


@pytest.fixture
async def counted(settings, endpoints, projector) -> AsyncIterator[tuple[Any, Counting]]:
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    counting = Counting(services.resources.pg_pool)
    async with AsyncTestClient(app=create_app(services)) as test_client:
        yield test_client, counting


async def test_fifty_videos_with_owners_cost_as_few_queries_as_five(counted, videos_app):
    client, counting = counted
    word = f"batch{secrets.token_hex(3)}"
    owners = await asyncio.gather(*(register(client) for _ in range(50)))
    for owner in owners:
        await ready_video(client, videos_app, owner, title=f"{word} by {owner['user']['handle']}")
    five = await counting.measure(client, VIDEOS, {"q": word, "first": 5})
    fifty = await counting.measure(client, VIDEOS, {"q": word, "first": 50})
    page = await gql(client, VIDEOS, {"q": word, "first": 50})
    handles = {edge["node"]["owner"]["handle"] for edge in page["videos"]["edges"]}
    assert handles == {owner["user"]["handle"] for owner in owners}
    assert max(five, fifty) <= 2  # the page, then one batch of owners


async def test_fifty_comments_with_authors_and_replies_cost_as_few_as_five(counted, videos_app):
    client, counting = counted
    people = await asyncio.gather(*(register(client) for _ in range(50)))
    video = await ready_video(client, videos_app, people[0])
    for i, person in enumerate(people):
        top = await gql(
            client, POST, {"video": video, "body": f"c{i}"}, token=person["accessToken"]
        )
        replier = people[(i + 1) % 50]["accessToken"]
        parent = top["postComment"]["id"]
        await gql(client, POST, {"video": video, "body": "re", "parent": parent}, token=replier)
    five = await counting.measure(client, COMMENTS, {"video": video, "first": 5})
    fifty = await counting.measure(client, COMMENTS, {"video": video, "first": 50})
    page = await gql(client, COMMENTS, {"video": video, "first": 50})
    edges = page["comments"]["edges"]
    assert len(edges) == 50 and all(len(e["node"]["replies"]["edges"]) == 1 for e in edges)
    # video, top-level page, replies batch, author batches: a constant, whatever the page size
    assert max(five, fifty) <= 5
