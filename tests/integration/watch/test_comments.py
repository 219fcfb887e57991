"""Comments: threads one level deep, edits by the author, deletion by the author or the
video's owner (a placeholder while replies remain), counts, limits and refusals."""

from __future__ import annotations

import asyncio

import pytest

from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.videos.helpers import VIDEO
from tests.integration.watch.helpers import (
    COMMENT_FIELDS,
    COMMENTS,
    DELETE,
    EDIT,
    POST,
    ready_video,
)

DELETE_VIDEO = "mutation($id: ID!) { deleteVideo(id: $id) }"
HIDE = "mutation($id: ID!) { updateVideo(id: $id, visibility: PRIVATE) { id } }"
ONE = f"""query($id: ID!) {{ comment(id: $id) {{ {COMMENT_FIELDS}
  replies {{ edges {{ node {{ id }} }} }} }} }}"""


async def post(client, account, video, body, parent=None):
    variables = {"video": video, "body": body, "parent": parent}
    return (await gql(client, POST, variables, token=account["accessToken"]))["postComment"]


async def thread(client, video, token=None, first=20, replies=20, after=None):
    variables = {"video": video, "first": first, "replies": replies, "after": after}
    return (await gql(client, COMMENTS, variables, token=token))["comments"]


async def counts(client, video, token=None):
    found = (await gql(client, VIDEO, {"id": video}, token=token))["video"]
    return found["commentCount"]


async def refused(client, query, variables, token, code):
    with pytest.raises(GraphQLError) as error:
        await gql(client, query, variables, token=token)
    assert error.value.code == code, error.value.errors
    return error.value


async def test_threads_edits_and_deletion(client, videos_app):
    owner, alice, bob = await register(client), await register(client), await register(client)
    video = await ready_video(client, videos_app, owner)
    body = "  First!  \n"
    top = await post(client, alice, video, body)
    assert top["body"] == "First!"  # trimmed like all user text, returned as text
    assert top["author"]["handle"] == alice["user"]["handle"]
    assert top["parentId"] is None and top["editedAt"] is None and not top["deleted"]
    reply = await post(client, bob, video, "<b>not html</b>", parent=top["id"])
    second = await post(client, bob, video, "second reply", parent=top["id"])
    newer = await post(client, owner, video, "newer top-level")

    listed = await thread(client, video)
    assert [edge["node"]["id"] for edge in listed["edges"]] == [newer["id"], top["id"]]
    first = listed["edges"][1]["node"]
    assert first["replyCount"] == 2
    assert [e["node"]["id"] for e in first["replies"]["edges"]] == [reply["id"], second["id"]]
    assert first["replies"]["edges"][0]["node"]["body"] == "<b>not html</b>"
    assert await counts(client, video) == 4

    # Replies to replies are refused; so is a reply to a comment of another video.
    await refused(
        client,
        POST,
        {"video": video, "body": "x", "parent": reply["id"]},
        alice["accessToken"],
        "BAD_USER_INPUT",
    )
    elsewhere = await ready_video(client, videos_app, owner)
    await refused(
        client,
        POST,
        {"video": elsewhere, "body": "x", "parent": top["id"]},
        alice["accessToken"],
        "NOT_FOUND",
    )

    # Only the author edits.
    await refused(client, EDIT, {"id": top["id"], "body": "mine"}, bob["accessToken"], "FORBIDDEN")
    await refused(
        client, EDIT, {"id": top["id"], "body": "mine"}, owner["accessToken"], "FORBIDDEN"
    )
    edited = (
        await gql(client, EDIT, {"id": top["id"], "body": "Edited"}, token=alice["accessToken"])
    )["editComment"]
    assert edited["body"] == "Edited" and edited["editedAt"] is not None

    # The author or the video's owner deletes; nobody else.
    await refused(client, DELETE, {"id": reply["id"]}, alice["accessToken"], "FORBIDDEN")
    assert await gql(client, DELETE, {"id": top["id"]}, token=alice["accessToken"])
    placeholder = (await thread(client, video))["edges"][1]["node"]
    assert placeholder["id"] == top["id"] and placeholder["deleted"]
    assert placeholder["body"] == "" and placeholder["replyCount"] == 2
    assert await counts(client, video) == 3
    await refused(
        client, EDIT, {"id": top["id"], "body": "back"}, alice["accessToken"], "NOT_FOUND"
    )
    await refused(
        client,
        POST,
        {"video": video, "body": "x", "parent": top["id"]},
        bob["accessToken"],
        "NOT_FOUND",
    )

    await gql(client, DELETE, {"id": reply["id"]}, token=owner["accessToken"])  # video owner
    assert (await thread(client, video))["edges"][1]["node"]["replyCount"] == 1
    await gql(client, DELETE, {"id": second["id"]}, token=bob["accessToken"])
    # The placeholder goes with its last reply; a comment without replies simply goes.
    await gql(client, DELETE, {"id": newer["id"]}, token=owner["accessToken"])
    assert (await thread(client, video))["edges"] == []
    assert await counts(client, video) == 0


async def test_refusals_change_nothing(client, videos_app):
    owner, other = await register(client), await register(client)
    video = await ready_video(client, videos_app, owner)
    token = other["accessToken"]
    for body in ("", "   \n\t ", "x" * 10_001, " " + "y" * 10_001):
        await refused(client, POST, {"video": video, "body": body}, token, "BAD_USER_INPUT")
    ok = await post(client, other, video, " " * 50 + "z" * 10_000 + " " * 50)  # trimmed length
    assert ok["body"] == "z" * 10_000  # trimmed
    await refused(client, EDIT, {"id": ok["id"], "body": "  "}, token, "BAD_USER_INPUT")
    await refused(client, POST, {"video": video, "body": "anonymous"}, None, "UNAUTHENTICATED")
    unknown = "00000000-0000-4000-8000-000000000000"
    await refused(client, POST, {"video": unknown, "body": "x"}, token, "NOT_FOUND")
    await refused(
        client, POST, {"video": video, "body": "x", "parent": unknown}, token, "NOT_FOUND"
    )
    await refused(client, EDIT, {"id": unknown, "body": "x"}, token, "NOT_FOUND")
    await refused(client, DELETE, {"id": unknown}, token, "NOT_FOUND")
    await refused(client, DELETE, {"id": "not-an-id"}, token, "BAD_USER_INPUT")
    await refused(client, COMMENTS, {"video": unknown}, token, "NOT_FOUND")
    await refused(client, COMMENTS, {"video": video, "first": 101}, token, "BAD_USER_INPUT")
    await refused(client, COMMENTS, {"video": video, "after": "zzz"}, token, "BAD_USER_INPUT")

    # Not on a video that is not READY, private to someone else, or deleted.
    processing = (
        await gql(
            client,
            """mutation { createVideoUpload(title: "t",
        filename: "a.mp4", sizeBytes: 3, contentType: "video/mp4") { video { id } } }""",
            token=owner["accessToken"],
        )
    )["createVideoUpload"]["video"]["id"]
    await refused(
        client, POST, {"video": processing, "body": "x"}, owner["accessToken"], "NOT_FOUND"
    )
    await gql(client, HIDE, {"id": video}, token=owner["accessToken"])
    await refused(client, POST, {"video": video, "body": "x"}, token, "NOT_FOUND")
    await refused(client, COMMENTS, {"video": video}, token, "NOT_FOUND")
    await refused(client, EDIT, {"id": ok["id"], "body": "x"}, token, "NOT_FOUND")
    mine = await post(client, owner, video, "owner may still comment")
    await gql(client, DELETE_VIDEO, {"id": video}, token=owner["accessToken"])
    await refused(client, POST, {"video": video, "body": "x"}, owner["accessToken"], "NOT_FOUND")
    await refused(client, COMMENTS, {"video": video}, owner["accessToken"], "NOT_FOUND")
    await refused(client, DELETE, {"id": mine["id"]}, owner["accessToken"], "NOT_FOUND")
    assert ok["body"].strip() == "z" * 10_000


async def test_posting_is_rate_limited_per_user(client, videos_app, settings):
    owner, chatty, calm = await register(client), await register(client), await register(client)
    video = await ready_video(client, videos_app, owner)
    for i in range(settings.comments_per_minute):
        await post(client, chatty, video, f"comment {i}")
    error = await refused(
        client, POST, {"video": video, "body": "one more"}, chatty["accessToken"], "RATE_LIMITED"
    )
    assert 0 < error.errors[0]["extensions"]["retryAfterSeconds"] <= 60
    assert await post(client, calm, video, "someone else may")  # per user
    assert await counts(client, video) == settings.comments_per_minute + 1


async def test_comment_pages_stay_stable_while_comments_arrive(client, videos_app):
    owner = await register(client)
    writers = [await register(client) for _ in range(4)]
    video = await ready_video(client, videos_app, owner)
    posted = []
    for i in range(8):
        posted.append((await post(client, writers[i % 4], video, f"c{i}"))["id"])
    seen: list[str] = []
    result = await thread(client, video, first=3)
    seen += [edge["node"]["id"] for edge in result["edges"]]
    i = 0
    while result["pageInfo"]["hasNextPage"]:
        await asyncio.gather(*(post(client, writers[j], video, f"late {i}") for j in range(2)))
        i += 1
        result = await thread(client, video, first=3, after=result["pageInfo"]["endCursor"])
        seen += [edge["node"]["id"] for edge in result["edges"]]
    assert seen == list(reversed(posted))  # newest first, no duplicates, no skips

    # Replies page oldest first, also stable while replies arrive.
    parent = posted[0]
    replies = [(await post(client, writers[i % 4], video, f"r{i}", parent))["id"] for i in range(5)]
    query = """query($video: ID!, $after: String) { comments(videoId: $video, first: 100) {
      edges { node { id replies(first: 2, after: $after) { edges { node { id } }
      pageInfo { hasNextPage endCursor } } } } } }"""
    got: list[str] = []
    after = None
    while True:
        data = await gql(client, query, {"video": video, "after": after})
        node = next(e["node"] for e in data["comments"]["edges"] if e["node"]["id"] == parent)
        got += [edge["node"]["id"] for edge in node["replies"]["edges"]]
        if not node["replies"]["pageInfo"]["hasNextPage"]:
            break
        after = node["replies"]["pageInfo"]["endCursor"]
        await post(client, writers[3], video, "a late reply", parent)
    assert got[:5] == replies and len(got) == len(set(got))


async def test_one_comment_by_id_with_its_replies(client, videos_app):
    owner, alice = await register(client), await register(client)
    video = await ready_video(client, videos_app, owner)
    top = await post(client, alice, video, "top")
    reply = await post(client, owner, video, "reply", parent=top["id"])

    async def one(comment_id, token=None):
        return (await gql(client, ONE, {"id": comment_id}, token=token))["comment"]

    found = await one(top["id"])
    assert found["body"] == "top" and found["replyCount"] == 1
    assert [edge["node"]["id"] for edge in found["replies"]["edges"]] == [reply["id"]]
    assert (await one(reply["id"]))["parentId"] == top["id"]
    assert await one("00000000-0000-4000-8000-000000000000") is None
    await refused(client, ONE, {"id": "not-an-id"}, None, "BAD_USER_INPUT")

    # Hidden with its video from everyone but the owner; gone once deleted.
    await gql(client, HIDE, {"id": video}, token=owner["accessToken"])
    assert await one(top["id"], alice["accessToken"]) is None
    assert (await one(top["id"], owner["accessToken"]))["id"] == top["id"]
    await gql(client, DELETE, {"id": top["id"]}, token=owner["accessToken"])
    assert (await one(top["id"], owner["accessToken"]))["deleted"]  # a placeholder: one reply
    await gql(client, DELETE, {"id": reply["id"]}, token=owner["accessToken"])
    assert await one(top["id"], owner["accessToken"]) is None
