"""People, videos and comments made through the api (not the pages) for the browser tests
of the pages that show them: sign-ups, real uploads that the site's transcoder makes READY,
comments and replies."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from tests.browser.conftest import unique
from tests.browser.site import Site

PASSWORD = "correct horse battery staple"
WAIT_LIMIT = 300.0  # a safety net for a hung pipeline, not a performance threshold
REGISTER = """mutation($email: String!, $handle: String!, $password: String!, $name: String) {
  register(email: $email, handle: $handle, password: $password, displayName: $name) {
    accessToken user { id handle displayName } } }"""
CREATE = """mutation($title: String!, $description: String!, $size: Int!, $visibility: Visibility!) {
  createVideoUpload(title: $title, description: $description, filename: "clip.mp4",
                    sizeBytes: $size, contentType: "video/mp4", visibility: $visibility) {
    uploadUrl uploadHeaders { name value } video { id } } }"""
COMPLETE = "mutation($id: ID!) { completeVideoUpload(videoId: $id) { id } }"
STATUS = "query($id: ID!) { video(id: $id) { status failureReason } }"
POST = """mutation($video: ID!, $body: String!, $parent: ID) {
  postComment(videoId: $video, body: $body, parentId: $parent) { id body } }"""


@dataclass(frozen=True)
class Person:
    id: str
    handle: str
    display_name: str
    token: str


def person(site: Site, display_name: str | None = None) -> Person:
    handle = unique()
    data = site.gql(
        REGISTER,
        {
            "email": f"{handle}@example.com",
            "handle": handle,
            "password": PASSWORD,
            "name": display_name or f"Person {handle}",
        },
    )["register"]
    user = data["user"]
    return Person(user["id"], user["handle"], user["displayName"], data["accessToken"])


def upload(
    site: Site,
    owner: Person,
    clip: Path,
    title: str,
    description: str = "",
    visibility: str = "PUBLIC",
) -> str:
    """Upload ``clip`` (PUT) and complete it; the video's id. ``wait_ready`` waits for it."""
    data = clip.read_bytes()
    variables = {
        "title": title,
        "description": description,
        "size": len(data),
        "visibility": visibility,
    }
    made = site.gql(CREATE, variables, owner.token)["createVideoUpload"]
    headers = {header["name"]: header["value"] for header in made["uploadHeaders"]}
    response = httpx.put(made["uploadUrl"], content=data, headers=headers, timeout=60)
    response.raise_for_status()
    video_id: str = made["video"]["id"]
    site.gql(COMPLETE, {"id": video_id}, owner.token)
    return video_id


def wait_ready(site: Site, owner: Person, video_id: str) -> None:
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        video = site.gql(STATUS, {"id": video_id}, owner.token)["video"]
        assert video["status"] != "FAILED", video["failureReason"]
        if video["status"] == "READY":
            return
        assert time.monotonic() < deadline, f"video {video_id} stayed {video['status']}"
        time.sleep(0.2)


def comment(
    site: Site, author: Person, video_id: str, body: str, parent: str | None = None
) -> dict[str, Any]:
    variables = {"video": video_id, "body": body, "parent": parent}
    posted: dict[str, Any] = site.gql(POST, variables, author.token)["postComment"]
    return posted
