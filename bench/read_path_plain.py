"""The baseline of bench/read_path.py: plain Litestar JSON endpoints over the same readers.

Run by the benchmark as its own uvicorn process (one worker), configured like `kino api`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import asdict
from typing import Any
from uuid import UUID

import uvicorn
from litestar import Litestar, get

from kino.bootstrap import build_container, resolve_endpoints
from kino.infrastructure.settings import Settings
from kino.queries.cursors import encode_cursor
from kino.queries.videos import PageRequest, VideoRecord

settings = Settings.from_env()
services = build_container(settings, resolve_endpoints(settings))


def video_json(record: VideoRecord, owners: dict[UUID, Any]) -> dict[str, Any]:
    data = asdict(record)
    data["owner"] = asdict(owners[record.owner_id])
    data["playbackUrl"] = services.videos.media.url(record.id, record.playback_key)
    return data


@get("/plain/video/{video_id:uuid}")
async def video(video_id: UUID) -> dict[str, Any] | None:
    record = await services.videos.catalog.by_id(video_id)
    if record is None or record.visibility == "PRIVATE":
        return None
    return video_json(record, await services.accounts.users.by_ids([record.owner_id]))


@get("/plain/videos")
async def videos(first: int = 50) -> dict[str, Any]:
    rows = await services.videos.catalog.page(PageRequest(first=first))
    owners = await services.accounts.users.by_ids(list({row.owner_id for row in rows}))
    shown = rows[:first]
    return {
        "edges": [
            {"cursor": encode_cursor(r.created_at, r.id), "node": video_json(r, owners)}
            for r in shown
        ],
        "hasNextPage": len(rows) > first,
    }


@get("/plain/comments/{video_id:uuid}")
async def comments(video_id: UUID, first: int = 100, after: str | None = None) -> dict[str, Any]:
    from kino.queries.cursors import decode_cursor

    await services.videos.catalog.by_id(video_id)
    rows = await services.comments.queries.top_level(video_id, first, decode_cursor(after))
    authors = await services.accounts.users.by_ids(list({row.author_id for row in rows}))
    shown = rows[:first]
    return {
        "edges": [
            {
                "cursor": encode_cursor(r.created_at, r.id),
                "node": {**asdict(r), "author": asdict(authors[r.author_id])},
            }
            for r in shown
        ],
        "hasNextPage": len(rows) > first,
        "endCursor": encode_cursor(shown[-1].created_at, shown[-1].id) if shown else None,
    }


@asynccontextmanager
async def lifespan(_: Litestar) -> AsyncIterator[None]:
    await services.open()
    yield
    await services.close()


app = Litestar([video, videos, comments], lifespan=[lifespan], debug=False, logging_config=None)

if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=settings.http_port, log_config=None, access_log=False)
