"""The catalog: who sees which video where (video, videos, search), pagination that stays
stable while videos arrive, and clear errors for bad input."""

from __future__ import annotations

import asyncio
import secrets

import pytest

from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import VIDEO
from tests.integration.watch.helpers import all_ids, page, ready_video

DELETE_VIDEO = "mutation($id: ID!) { deleteVideo(id: $id) }"
MY_VIDEOS = "{ myVideos(first: 100) { edges { node { id } } } }"


async def test_visibility_matrix_for_video_listing_and_search(client, videos_app):
    owner, other = await register(client), await register(client)
    word = f"zebra{secrets.token_hex(3)}"
    ids = {
        visibility: await ready_video(
            client, videos_app, owner, title=f"{word} {visibility.lower()}", visibility=visibility
        )
        for visibility in ("PUBLIC", "UNLISTED", "PRIVATE")
    }
    handle = owner["user"]["handle"]
    viewers = {
        "owner": owner["accessToken"],
        "other": other["accessToken"],
        "anonymous": None,
    }
    by_id = {"PUBLIC": {"owner", "other", "anonymous"}, "UNLISTED": {"owner", "other", "anonymous"}}
    by_id["PRIVATE"] = {"owner"}
    for who, token in viewers.items():
        for visibility, video_id in ids.items():
            video = (await gql(client, VIDEO, {"id": video_id}, token=token))["video"]
            assert (video is not None) == (who in by_id[visibility]), (who, visibility)
        listed = set(await all_ids(client, token))
        searched = set(await all_ids(client, token, query=word))
        channel = set(await all_ids(client, token, owner=handle))
        # Listing and search show READY PUBLIC videos only, to everyone.
        assert listed & set(ids.values()) == {ids["PUBLIC"]}, who
        assert searched == {ids["PUBLIC"]}, who
        assert channel == {ids["PUBLIC"]}, who  # a channel too, even to its owner

    # The owner's own list (beyond the contract) has everything of theirs.
    mine = await gql(client, MY_VIDEOS, token=owner["accessToken"])
    assert [edge["node"]["id"] for edge in mine["myVideos"]["edges"]] == [
        ids["PRIVATE"],
        ids["UNLISTED"],
        ids["PUBLIC"],
    ]
    assert (await gql(client, MY_VIDEOS, token=other["accessToken"]))["myVideos"]["edges"] == []
    with pytest.raises(GraphQLError) as anonymous:
        await gql(client, MY_VIDEOS)
    assert anonymous.value.code == "UNAUTHENTICATED"

    # Deleted videos disappear everywhere.
    await gql(client, DELETE_VIDEO, {"id": ids["PUBLIC"]}, token=owner["accessToken"])
    assert (await gql(client, VIDEO, {"id": ids["PUBLIC"]}))["video"] is None
    assert ids["PUBLIC"] not in await all_ids(client)
    assert await all_ids(client, query=word) == []
    assert ids["PUBLIC"] not in await all_ids(client, owner=handle)


async def test_search_matches_title_and_description_words(client, videos_app):
    owner = await register(client)
    word, other_word = f"okapi{secrets.token_hex(3)}", f"quokka{secrets.token_hex(3)}"
    in_title = await ready_video(client, videos_app, owner, title=f"About {word}s and {word}")
    in_text = await ready_video(
        client, videos_app, owner, title="Nothing here", description=f"Seen: {word}!"
    )
    await ready_video(client, videos_app, owner, title=f"Only {other_word}")
    assert await all_ids(client, query=word) == [in_text, in_title]  # newest first
    assert await all_ids(client, query=f"{word} {other_word}") == []  # all words must match
    assert await all_ids(client, query=f"{word} or {other_word}") != []
    assert await all_ids(client, query=f"{word} -nothing") == [in_title]
    assert await all_ids(client, query="   ") != []  # a blank query lists everything


async def test_pages_stay_stable_while_videos_arrive(client, videos_app):
    owner = await register(client)
    handle = owner["user"]["handle"]
    first_ten = [await ready_video(client, videos_app, owner, title=f"v{i}") for i in range(10)]
    seen: list[str] = []
    result = await page(client, first=3, owner=handle)
    seen += [edge["node"]["id"] for edge in result["edges"]]
    arrivals = []
    while result["pageInfo"]["hasNextPage"]:
        # New videos arrive between page fetches: they go to the top, never into later pages.
        arrivals.append(await ready_video(client, videos_app, owner, title="late"))
        result = await page(client, first=3, after=result["pageInfo"]["endCursor"], owner=handle)
        seen += [edge["node"]["id"] for edge in result["edges"]]
    assert seen == list(reversed(first_ten))  # no duplicates, no skips, newest first
    assert (await page(client, first=len(arrivals), owner=handle))["edges"][0]["node"]["id"] == (
        arrivals[-1]
    )
    cursors = [edge["cursor"] for edge in (await page(client, first=13, owner=handle))["edges"]]
    assert len(set(cursors)) == len(cursors)


async def test_bad_paging_input_is_refused(client, videos_app):
    for variables in (
        {"first": 101},
        {"first": -1},
        {"after": "not-a-cursor"},
        {"after": "djI6eA"},
    ):
        with pytest.raises(GraphQLError) as refused:
            await page(client, **variables)
        assert refused.value.code == "BAD_USER_INPUT", variables
    assert len((await page(client, first=100))["edges"]) <= 100
    with pytest.raises(GraphQLError) as bad_id:
        await gql(client, VIDEO, {"id": "nope"})
    assert bad_id.value.code == "BAD_USER_INPUT"
    assert (await page(client, owner="nobody_" + secrets.token_hex(4)))["edges"] == []


async def test_listing_concurrent_with_uploads_never_duplicates(client, videos_app):
    """Many page walks while videos become READY concurrently: each walk is a strict
    newest-first sequence without repeats."""
    owner = await register(client)
    handle = owner["user"]["handle"]
    for i in range(4):
        await ready_video(client, videos_app, owner, title=f"base{i}")

    async def walk() -> list[str]:
        return await all_ids(client, first=2, owner=handle)

    writer = asyncio.gather(*(ready_video(client, videos_app, owner) for _ in range(4)))
    walks = await asyncio.gather(walk(), walk(), walk())
    await writer
    for ids in walks:
        assert len(ids) == len(set(ids))
        assert len(ids) >= 4
