"""tus requests for the resumable-upload tests."""

from __future__ import annotations

import base64
import hashlib
from typing import Any
from urllib.parse import urlsplit

from tests.integration.conftest import gql
from tests.integration.videos.helpers import VIDEO_FIELDS

TUS = {"Tus-Resumable": "1.0.0"}
OCTETS = "application/offset+octet-stream"
CREATE_TUS = f"""
mutation($title: String!, $filename: String!, $size: Int!, $type: String!) {{
  createVideoUpload(title: $title, filename: $filename, sizeBytes: $size, contentType: $type) {{
    tusUrl uploadUrl expiresAt video {{ {VIDEO_FIELDS} }}
  }}
}}"""


def local(url: str) -> str:
    """The path and query of a URL the api handed out (tests talk to their own server)."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


async def create_tus(client: Any, token: str, size: int) -> dict[str, Any]:
    variables = {"title": "A clip", "filename": "clip.mp4", "size": size, "type": "video/mp4"}
    return (await gql(client, CREATE_TUS, variables, token=token))["createVideoUpload"]  # type: ignore[no-any-return]


async def head(client: Any, url: str, **headers: str) -> Any:
    return await client.head(local(url), headers={**TUS, **headers})


async def patch(
    client: Any, url: str, offset: int, data: bytes, *, checksum: str | None = None, **headers: str
) -> Any:
    sent = {**TUS, "Content-Type": OCTETS, "Upload-Offset": str(offset), **headers}
    if checksum is not None:
        sent["Upload-Checksum"] = checksum
    return await client.patch(local(url), content=data, headers=sent)


def sha1(data: bytes) -> str:
    return "sha1 " + base64.b64encode(hashlib.sha1(data).digest()).decode()


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())
