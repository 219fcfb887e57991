"""GraphQL for videos: a video by id, create and complete an upload, edit, delete."""

from __future__ import annotations

from functools import partial
from uuid import UUID

import strawberry

from kino.domain.errors import BadInputError, KinoError
from kino.graphql.context import Info, KinoContext, run_sync, wait_for_position
from kino.graphql.inputs import bounded
from kino.graphql.video_types import (
    HeaderType,
    VideoType,
    VideoUploadType,
    Visibility,
)


def parse_id(value: str, field: str = "id") -> UUID:
    try:
        return UUID(bounded(value, field, 64))
    except ValueError:
        raise BadInputError(f"{field} is not a valid id.", field=field) from None


async def read_back(context: KinoContext, video_id: UUID, position: int | None) -> VideoType:
    """The video as the catalog shows it once it has caught up with ``position``."""
    videos = context.services.videos
    if position:
        await wait_for_position(lambda: videos.catalog.position(videos.app.name), position)
    record = await videos.catalog.by_id(video_id)
    if record is None:
        raise KinoError("The video could not be read back; please try again.")
    return VideoType.from_record(context, record)


@strawberry.type
class VideosQuery:
    @strawberry.field
    async def video(self, info: Info, id: strawberry.ID) -> VideoType | None:
        record = await info.context.services.videos.catalog.by_id(parse_id(id))
        if record is None:
            return None
        viewer = await info.context.viewer() if record.visibility == "PRIVATE" else None
        if not record.visible_to(viewer.user_id if viewer else None):
            return None
        return VideoType.from_record(info.context, record)


@strawberry.type
class VideosMutation:
    @strawberry.mutation
    async def create_video_upload(  # noqa: PLR0917 - the contract's arguments
        self,
        info: Info,
        title: str,
        filename: str,
        size_bytes: int,
        content_type: str,
        description: str | None = "",
        visibility: Visibility | None = Visibility.PUBLIC,
    ) -> VideoUploadType:
        viewer = await info.context.require_viewer()
        videos = info.context.services.videos
        created = await run_sync(
            partial(
                videos.app.create_upload,
                viewer.user_id,
                title=bounded(title, "title", 1000),
                filename=bounded(filename, "filename", 1000),
                size_bytes=size_bytes,
                content_type=bounded(content_type, "contentType", 200),
                description=bounded(description or "", "description", 20000),
                visibility=(visibility or Visibility.PUBLIC).value,
                max_bytes=videos.max_upload_bytes,
            )
        )
        content_type = created.content_type  # one of the allow-list's exact strings
        presigned = await run_sync(
            videos.store.presigned_put, created.source_key, content_type, videos.uploads.ttl
        )
        token, expires_at = videos.uploads.issue(created.video_id, viewer.user_id, size_bytes)
        url = presigned or f"{videos.public_url}/uploads/{created.video_id}?token={token}"
        video = await read_back(info.context, created.video_id, created.position)
        return VideoUploadType(
            video=video,
            upload_url=url,
            upload_method="PUT",
            upload_headers=[HeaderType(name="Content-Type", value=content_type)],
            expires_at=expires_at,
        )

    @strawberry.mutation
    async def complete_video_upload(self, info: Info, video_id: strawberry.ID) -> VideoType:
        viewer = await info.context.require_viewer()
        videos = info.context.services.videos
        vid = parse_id(video_id, "videoId")
        video = await run_sync(videos.app.get_video, vid)
        video.check_owner(viewer.user_id)
        stored = await run_sync(videos.store.stat, video.source_key)
        position = await run_sync(
            videos.app.complete_upload, vid, viewer.user_id, stored.size if stored else None
        )
        return await read_back(info.context, vid, position)

    @strawberry.mutation
    async def update_video(
        self,
        info: Info,
        id: strawberry.ID,
        title: str | None = None,
        description: str | None = None,
        visibility: Visibility | None = None,
    ) -> VideoType:
        viewer = await info.context.require_viewer()
        vid = parse_id(id)
        position = await run_sync(
            info.context.services.videos.app.update_video,
            vid,
            viewer.user_id,
            bounded(title, "title", 1000),
            bounded(description, "description", 20000),
            visibility.value if visibility else None,
        )
        return await read_back(info.context, vid, position)

    @strawberry.mutation
    async def delete_video(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        videos = info.context.services.videos
        position = await run_sync(videos.app.delete_video, parse_id(id), viewer.user_id)
        if position:
            await wait_for_position(lambda: videos.catalog.position(videos.app.name), position)
        return True
