"""Mutations of the live context: create a stream, rotate its key, end it (the owner's)."""

from __future__ import annotations

import strawberry

from kino.commands.base import run_sync
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.live.types import (
    LiveStreamCredentials,
    LiveStreamType,
    credentials_of,
    read_stream,
    room_state,
    settled,
)


@strawberry.type
class LiveMutation:
    @strawberry.mutation
    async def create_live_stream(
        self,
        info: Info,
        title: str,
        description: str | None = "",
        save_recording: bool | None = True,
    ) -> LiveStreamCredentials:
        viewer = await info.context.require_viewer()
        created = await run_sync(
            info.context.container.live.app.create_stream,
            viewer.user_id,
            bounded(title, "title", 1000),
            bounded(description or "", "description", 20000),
            save_recording is not False,
        )
        await settled(info.context, created.position)
        await room_state(info.context, created.stream_id, closed=False)
        stream = await read_stream(info.context, created.stream_id)
        return credentials_of(info.context, stream, created.stream_key)

    @strawberry.mutation(description="Owner only. The new key is shown once; the old one stops.")
    async def rotate_stream_key(self, info: Info, id: strawberry.ID) -> LiveStreamCredentials:
        viewer = await info.context.require_viewer()
        live = info.context.container.live
        rotated = await run_sync(live.app.rotate_key, parse_id(id), viewer.user_id)
        await settled(info.context, rotated.position)
        stream = await read_stream(info.context, rotated.stream_id)
        return credentials_of(info.context, stream, rotated.stream_key)

    @strawberry.mutation
    async def end_live_stream(self, info: Info, id: strawberry.ID) -> LiveStreamType:
        viewer = await info.context.require_viewer()
        stream_id = parse_id(id)
        position = await run_sync(
            info.context.container.live.app.end_stream, stream_id, viewer.user_id
        )
        await settled(info.context, position)
        await room_state(info.context, stream_id, closed=True)
        return await read_stream(info.context, stream_id)
