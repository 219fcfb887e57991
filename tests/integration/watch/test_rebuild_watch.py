"""Rebuilding the catalog and comment read models (blue/green) gives identical answers,
view counts included (they are not events and live outside the generations)."""

from __future__ import annotations

import asyncio
import re
import secrets
from typing import Any

from kino.bootstrap import projection_tools
from kino.operations.projections import run_rebuild
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.videos.helpers import VIDEO
from tests.integration.watch.helpers import (
    COMMENTS,
    DELETE,
    EDIT,
    POST,
    RECORD_VIEW,
    all_ids,
    ready_video,
    wait_async,
)


async def snapshot(client: Any, owner: dict[str, Any], word: str, ids: list[str]) -> str:
    token = owner["accessToken"]
    answers: list[Any] = [
        await all_ids(client, first=2),
        await all_ids(client, query=word),
        await all_ids(client, token, owner=owner["user"]["handle"]),
    ]
    for video_id in ids:
        answers.append(await gql(client, VIDEO, {"id": video_id}, token=token))
        answers.append(await gql(client, COMMENTS, {"video": video_id, "replies": 10}, token=token))
    return re.sub(r"token=[^\"&\s]+", "token=…", repr(answers))  # fresh media tokens


async def test_rebuilt_catalog_and_comments_answer_the_same(
    client, videos_app, settings, endpoints, projector
):
    owner, fan = await register(client), await register(client)
    word = f"rebuild{secrets.token_hex(3)}"
    ids = [
        await ready_video(client, videos_app, owner, title=f"{word} {v}", visibility=v)
        for v in ("PUBLIC", "UNLISTED", "PRIVATE")
    ]
    own, theirs = owner["accessToken"], fan["accessToken"]
    top = (await gql(client, POST, {"video": ids[0], "body": "top"}, token=theirs))["postComment"]
    await gql(client, POST, {"video": ids[0], "body": "re", "parent": top["id"]}, token=own)
    gone = (await gql(client, POST, {"video": ids[0], "body": "gone"}, token=own))["postComment"]
    await gql(client, DELETE, {"id": gone["id"]}, token=own)
    await gql(client, DELETE, {"id": top["id"]}, token=theirs)  # a placeholder stays
    kept = (await gql(client, POST, {"video": ids[1], "body": "a"}, token=theirs))["postComment"]
    await gql(client, EDIT, {"id": kept["id"], "body": "b"}, token=theirs)
    await gql(client, POST, {"video": ids[2], "body": "mine"}, token=own)
    await gql(client, RECORD_VIEW, {"video": ids[0], "viewer": "x", "seconds": 30})

    async def counted() -> bool:
        return (await gql(client, VIDEO, {"id": ids[0]}))["video"]["viewCount"] == 1

    await wait_async(counted, "the view to be folded")
    before = await snapshot(client, owner, word, ids)
    assert "'deleted': True" in before and "'editedAt': None" in before

    tools = projection_tools(settings, endpoints)
    generations = {name: tools.generations.live(name) for name in ("videos", "comments")}
    assert await asyncio.to_thread(run_rebuild, tools, ["videos", "comments"]) == 0
    for name, generation in generations.items():
        assert tools.generations.live(name) == generation + 1
    # The session's projector follows the switch as `kino projector`'s supervisor does.
    await asyncio.to_thread(projector.supervise)
    assert {r.name for r in projector.runners} >= {
        f"{name}_g{generation + 1}" for name, generation in generations.items()
    }
    assert await snapshot(client, owner, word, ids) == before
