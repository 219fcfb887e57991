"""Every argument that takes user text refuses a NUL, another C0 control, a lone surrogate and
over-long input with BAD_USER_INPUT naming the argument, and nothing reaches the event store.

The arguments come from the schema: every String argument of every field has a case here
(``test_every_string_argument_of_the_schema_has_a_case``), so a new one cannot be missed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from graphql import GraphQLObjectType, build_schema, get_named_type

from kino.commands.videos import Videos
from kino.domain.video_rules import CONTENT_TYPES
from kino.graphql.schema import build_schema as build_kino_schema
from kino.infrastructure.eventstore import eventstore_env
from kino.infrastructure.metrics import ApiMetrics
from kino.infrastructure.settings import Settings
from tests.integration.accounts_helpers import PASSWORD, register, unique_handle
from tests.integration.conftest import gql
from tests.integration.live_helpers import owner_and_stream
from tests.integration.text_helpers import event_store_marks, raw_gql
from tests.integration.watch.helpers import POST, ready_video

BAD = {
    "nul": "\x00",
    "escape": "\x1b",  # another C0 control
    "surrogate": "\ud800",
}
Variables = Callable[[dict[str, Any], str], dict[str, Any]]


@dataclass(frozen=True)
class Case:
    """One argument: the operation, how to fill the other arguments, a valid value, a limit.

    ``operation`` is a root field, or a field of ``parent`` (a type the document reaches)."""

    operation: str
    field: str
    document: str
    variables: Variables
    valid: Callable[[dict[str, Any]], str]
    limit: int
    token: str | None = "owner"
    parent: str | None = None

    @property
    def name(self) -> str:
        return f"{self.operation}.{self.field}"

    @property
    def argument(self) -> str:
        """``Type.field.argument`` in the schema."""
        root = "Mutation" if self.document.lstrip().startswith("mutation") else "Query"
        return f"{self.parent or root}.{self.operation}.{self.field}"


def fresh(prefix: str = "t") -> str:
    return unique_handle(prefix)


def registration(world: dict[str, Any], field: str, value: str) -> dict[str, Any]:
    handle = fresh()
    variables = {"email": f"{handle}@example.com", "handle": handle, "password": PASSWORD}
    return {**variables, field: value}


REGISTER = """mutation($email: String!, $handle: String!, $password: String!, $displayName: String) {
  register(email: $email, handle: $handle, password: $password, displayName: $displayName) {
    accessToken } }"""
LOGIN = "mutation($login: String!, $password: String!) { login(login: $login, password: $password) { accessToken } }"
REFRESH = "mutation($v: String!) { refreshSession(refreshToken: $v) { accessToken } }"
BEGIN = "mutation($p: String!, $r: String!) { beginOAuthLogin(provider: $p, redirectUri: $r) { state } }"
COMPLETE = """mutation($p: String!, $c: String!, $s: String!, $i: String, $r: String) {
  completeOAuthLogin(provider: $p, code: $c, state: $s, iss: $i, redirectUri: $r) { accessToken } }"""
UPLOAD = """mutation($title: String!, $filename: String!, $type: String!, $description: String) {
  createVideoUpload(title: $title, filename: $filename, sizeBytes: 10, contentType: $type,
                    description: $description) { video { id } uploadHeaders { name value } } }"""
UPDATE = """mutation($id: ID!, $title: String, $description: String) {
  updateVideo(id: $id, title: $title, description: $description) { id } }"""
VIEW = """mutation($video: ID!, $v: String) {
  recordView(videoId: $video, viewerId: $v, secondsWatched: 10) }"""
EDIT = "mutation($id: ID!, $v: String!) { editComment(id: $id, body: $v) { id } }"
LIVE = """mutation($title: String!, $description: String) {
  createLiveStream(title: $title, description: $description) { stream { id } } }"""
CHAT = "mutation($s: ID!, $v: String!) { sendChatMessage(streamId: $s, body: $v) { id } }"
USER = "query($v: String!) { user(handle: $v) { id } }"
VIDEOS = """query($after: String, $query: String, $owner: String) {
  videos(after: $after, query: $query, ownerHandle: $owner) { edges { node { id } } } }"""
MINE = """query($after: String, $query: String) {
  myVideos(after: $after, query: $query) { edges { node { id } } } }"""
COMMENTS = (
    "query($video: ID!, $v: String) { comments(videoId: $video, after: $v) { edges { cursor } } }"
)
REPLIES = """query($video: ID!, $v: String) { comments(videoId: $video) {
  edges { node { replies(after: $v) { edges { cursor } } } } } }"""
STREAMS = "query($v: String) { liveStreams(after: $v) { edges { cursor } } }"
MY_STREAMS = "query($v: String) { myLiveStreams(after: $v) { edges { cursor } } }"
OAUTH = {"p": "test", "c": "code-123", "s": "state-123", "i": "https://issuer.example", "r": None}
REDIRECT = "http://127.0.0.1:8000/auth/callback"


def oauth(key: str) -> Variables:
    return lambda world, value: {**OAUTH, "r": REDIRECT, key: value}


def upload(key: str) -> Variables:
    base = {"title": "A clip", "filename": "clip.mp4", "type": "video/mp4", "description": "d"}
    return lambda world, value: {**base, key: value}


def handle_of(world: dict[str, Any]) -> str:
    return str(world["owner"]["user"]["handle"])


CASES = [
    Case("user", "handle", USER, lambda w, v: {"v": v}, handle_of, 30, None),
    Case("videos", "query", VIDEOS, lambda w, v: {"query": v}, lambda w: "clip", 200, None),
    Case("videos", "ownerHandle", VIDEOS, lambda w, v: {"owner": v}, handle_of, 30, None),
    Case("videos", "after", VIDEOS, lambda w, v: {"after": v}, lambda w: "djE6MTox", 200, None),
    Case("myVideos", "query", MINE, lambda w, v: {"query": v}, lambda w: "clip", 200),
    Case("myVideos", "after", MINE, lambda w, v: {"after": v}, lambda w: "djE6MTox", 200),
    Case(
        "comments",
        "after",
        COMMENTS,
        lambda w, v: {"video": w["video"], "v": v},
        lambda w: "djE6MTox",
        200,
        None,
    ),
    Case(
        "replies",
        "after",
        REPLIES,
        lambda w, v: {"video": w["video"], "v": v},
        lambda w: "djE6MTox",
        200,
        None,
        parent="Comment",
    ),
    Case("liveStreams", "after", STREAMS, lambda w, v: {"v": v}, lambda w: "bzox", 200, None),
    Case("myLiveStreams", "after", MY_STREAMS, lambda w, v: {"v": v}, lambda w: "bzox", 200),
    *(
        Case(
            "register", field, REGISTER, lambda w, v, f=field: registration(w, f, v), valid, n, None
        )
        for field, valid, n in (
            ("email", lambda w: f"{fresh()}@example.com", 254),
            ("handle", lambda w: fresh(), 30),
            ("password", lambda w: PASSWORD, 256),
            ("displayName", lambda w: "Ann Example", 50),
        )
    ),
    Case(
        "login",
        "login",
        LOGIN,
        lambda w, v: {"login": v, "password": PASSWORD},
        handle_of,
        254,
        None,
    ),
    Case(
        "login",
        "password",
        LOGIN,
        lambda w, v: {"login": handle_of(w), "password": v},
        lambda w: PASSWORD,
        256,
        None,
    ),
    Case(
        "refreshSession",
        "refreshToken",
        REFRESH,
        lambda w, v: {"v": v},
        lambda w: w["spare"]["refreshToken"],
        256,
        None,
    ),
    Case(
        "beginOAuthLogin",
        "provider",
        BEGIN,
        lambda w, v: {"p": v, "r": REDIRECT},
        lambda w: "test",
        64,
        None,
    ),
    Case(
        "beginOAuthLogin",
        "redirectUri",
        BEGIN,
        lambda w, v: {"p": "test", "r": v},
        lambda w: REDIRECT,
        2048,
        None,
    ),
    *(
        Case("completeOAuthLogin", field, COMPLETE, oauth(key), valid, n, None)
        for field, key, valid, n in (
            ("provider", "p", lambda w: "test", 64),
            ("code", "c", lambda w: "code-123", 2048),
            ("state", "s", lambda w: "state-123", 256),
            ("iss", "i", lambda w: "https://issuer.example", 2048),
            ("redirectUri", "r", lambda w: REDIRECT, 2048),
        )
    ),
    *(
        Case("createVideoUpload", field, UPLOAD, upload(key), valid, n)
        for field, key, valid, n in (
            ("title", "title", lambda w: "A clip", 200),
            ("filename", "filename", lambda w: "clip.mp4", 255),
            ("contentType", "type", lambda w: "video/mp4", 100),
            ("description", "description", lambda w: "About it", 5000),
        )
    ),
    Case(
        "updateVideo",
        "title",
        UPDATE,
        lambda w, v: {"id": w["video"], "title": v},
        lambda w: "A clip again",
        200,
    ),
    Case(
        "updateVideo",
        "description",
        UPDATE,
        lambda w, v: {"id": w["video"], "description": v},
        lambda w: "New words",
        5000,
    ),
    Case(
        "recordView",
        "viewerId",
        VIEW,
        lambda w, v: {"video": w["video"], "v": v},
        lambda w: "viewer-1",
        64,
        None,
    ),
    Case(
        "postComment",
        "body",
        POST,
        lambda w, v: {"video": w["video"], "body": v},
        lambda w: "Nice",
        10_000,
    ),
    Case(
        "editComment",
        "body",
        EDIT,
        lambda w, v: {"id": w["comment"], "v": v},
        lambda w: "Edited",
        10_000,
    ),
    Case("createLiveStream", "title", LIVE, lambda w, v: {"title": v}, lambda w: "Live", 120),
    Case(
        "createLiveStream",
        "description",
        LIVE,
        lambda w, v: {"title": "Live", "description": v},
        lambda w: "About",
        5000,
    ),
    Case(
        "sendChatMessage",
        "body",
        CHAT,
        lambda w, v: {"s": w["stream"], "v": v},
        lambda w: "hello",
        500,
    ),
]
_WORLD: dict[str, Any] = {}


def string_arguments() -> set[str]:
    """``Type.field.argument`` of every String argument of the schema Kino serves."""
    printed = build_kino_schema(Settings(secret_key="c" * 40), ApiMetrics()).as_str()
    schema = build_schema(printed)
    return {
        f"{name}.{field_name}.{argument_name}"
        for name, kind in schema.type_map.items()
        if isinstance(kind, GraphQLObjectType) and not name.startswith("__")
        for field_name, field in kind.fields.items()
        for argument_name, argument in field.args.items()
        if get_named_type(argument.type).name == "String"
    }


def test_every_string_argument_of_the_schema_has_a_case():
    assert sorted({case.argument for case in CASES}) == sorted(string_arguments())


@pytest.fixture(scope="module")
def videos_app(endpoints) -> Iterator[Videos]:
    app = Videos(env=eventstore_env(endpoints.database_url))
    yield app
    app.close()


@pytest.fixture
async def world(client, videos_app) -> dict[str, Any]:
    """One owner with a READY video, a comment and a live stream; built once per module."""
    if not _WORLD:
        owner = await register(client)
        video = await ready_video(client, videos_app, owner)
        posted = await gql(client, POST, {"video": video, "body": "First"}, owner["accessToken"])
        _, created = await owner_and_stream(client)  # ``owner`` chats there as a fan
        _WORLD.update(
            owner=owner,
            spare=await register(client),
            video=video,
            comment=posted["postComment"]["id"],
            stream=created["stream"]["id"],
        )
    return _WORLD


def bad_value(valid: str, kind: str, limit: int) -> str:
    if kind == "overlong":
        return "x" * (limit + 1)
    return valid[:1] + BAD[kind] + valid[1:]


@pytest.mark.parametrize("kind", [*BAD, "overlong"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
async def test_bad_text_is_refused_naming_the_argument_and_nothing_is_stored(
    client, world, endpoints, case, kind
):
    value = bad_value(case.valid(world), kind, case.limit)
    token = world["owner"]["accessToken"] if case.token else None
    before = await event_store_marks(endpoints.database_url)
    body = await raw_gql(client, case.document, case.variables(world, value), token)
    errors = body.get("errors")
    assert errors, body
    extensions = errors[0].get("extensions", {})
    assert extensions.get("code") == "BAD_USER_INPUT", errors
    assert extensions.get("field") == case.field, errors
    assert errors[0]["message"] and "went wrong" not in errors[0]["message"]
    assert await event_store_marks(endpoints.database_url) == before


async def test_the_valid_values_of_those_cases_are_accepted(client, world):
    """The control group: each argument's valid value gets past the text rule."""
    token = world["owner"]["accessToken"]
    for case in CASES:
        if case.operation in ("completeOAuthLogin", "beginOAuthLogin", "refreshSession"):
            continue  # no provider is configured; the refresh token would rotate
        if case.field == "after":
            continue
        body = await raw_gql(client, case.document, case.variables(world, case.valid(world)), token)
        fields = [e.get("extensions", {}).get("field") for e in body.get("errors") or []]
        assert case.field not in fields, (case.name, body)


@pytest.mark.parametrize(
    "content_type",
    [
        "video/mp4\r\nX-Injected: 1",
        "video/mp4\nX-Injected: 1",
        "video/mp4\r",
        "text/html",
        "image/svg+xml",
        "video/mp4x",
        "application/x-msdownload",
    ],
)
async def test_content_types_with_line_breaks_or_unknown_are_refused(
    client, world, endpoints, content_type
):
    before = await event_store_marks(endpoints.database_url)
    variables = upload("type")(world, content_type)
    body = await raw_gql(client, UPLOAD, variables, world["owner"]["accessToken"])
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert body["errors"][0]["extensions"]["field"] == "contentType"
    assert body["data"] is None
    assert await event_store_marks(endpoints.database_url) == before


@pytest.mark.parametrize(
    ("sent", "header"),
    [
        ("video/mp4", "video/mp4"),
        ("VIDEO/QuickTime", "video/quicktime"),
        ("video/webm;codecs=vp9,opus", "video/webm"),
        ("", "application/octet-stream"),
    ],
)
async def test_upload_headers_are_always_an_allowed_type(client, world, sent, header):
    variables = upload("type")(world, sent)
    data = await gql(client, UPLOAD, variables, token=world["owner"]["accessToken"])
    headers = data["createVideoUpload"]["uploadHeaders"]
    assert headers == [{"name": "Content-Type", "value": header}]
    assert header in CONTENT_TYPES


async def test_lookups_still_find_what_they_should(client, world):
    handle = handle_of(world)
    found = await gql(client, USER, {"v": f"  {handle.upper()} "})
    assert found["user"]["id"] == world["owner"]["user"]["id"]
    listed = await gql(client, VIDEOS, {"owner": handle, "query": "  clip "})
    assert [edge["node"]["id"] for edge in listed["videos"]["edges"]] == [world["video"]]
    assert (await gql(client, USER, {"v": "no such-handle"}))["user"] is None
