"""Mutations of the videos context: create, renew and complete an upload, edit, delete, count
a view, keep a resume position. Each calls one use case and answers with the video as the
catalog shows it (or a Boolean)."""

from __future__ import annotations

import strawberry

from kino.commands.base import run_sync
from kino.commands.uploads import UploadRequest
from kino.domain.video_values import Visibility
from kino.graphql.context import Info
from kino.graphql.ids import bounded, parse_id
from kino.graphql.videos.types import (
    VideoType,
    VideoUploadType,
    read_back,
)
from kino.queries.positions import caught_up


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
        request = upload_request(title, filename, size_bytes, content_type, description, visibility)
        uploads = info.context.container.videos.uploads
        upload = await run_sync(uploads.create, viewer.user_id, request)
        video = await read_back(info.context, upload.video_id, upload.position)
        return VideoUploadType.of(video, upload)

    @strawberry.mutation
    async def complete_video_upload(self, info: Info, video_id: strawberry.ID) -> VideoType:
        viewer = await info.context.require_viewer()
        vid = parse_id(video_id, "videoId")
        uploads = info.context.container.videos.uploads
        position = await run_sync(uploads.complete, vid, viewer.user_id)
        return await read_back(info.context, vid, position)

    @strawberry.mutation(
        description="Fresh `uploadUrl` and `tusUrl` for your own video still AWAITING_UPLOAD "
        "(its URLs were lost or are about to expire). The bytes already received are kept, so "
        "a tus client continues from them; the abandoned-upload deadline starts again."
    )
    async def renew_video_upload(self, info: Info, video_id: strawberry.ID) -> VideoUploadType:
        viewer = await info.context.require_viewer()
        vid = parse_id(video_id, "videoId")
        uploads = info.context.container.videos.uploads
        upload = await run_sync(uploads.renew, viewer.user_id, vid)
        video = await read_back(info.context, vid, upload.position)
        return VideoUploadType.of(video, upload)

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
            info.context.container.videos.app.update_video,
            vid,
            viewer.user_id,
            bounded(title, "title", 1000),
            bounded(description, "description", 20000),
            visibility,
        )
        return await read_back(info.context, vid, position)

    @strawberry.mutation
    async def delete_video(self, info: Info, id: strawberry.ID) -> bool:
        viewer = await info.context.require_viewer()
        videos = info.context.container.videos
        position = await run_sync(videos.app.delete_video, parse_id(id), viewer.user_id)
        await caught_up(videos.catalog, videos.app.name, position)
        return True

    @strawberry.mutation(
        description="Report that a video has been playing for `secondsWatched` seconds. "
        "Counts once per viewer (the signed-in user, else `viewerId`, an id the client keeps) "
        "per video per hour, from 5 seconds of play. True when this report counted a view."
    )
    async def record_view(
        self,
        info: Info,
        video_id: strawberry.ID,
        seconds_watched: float,
        viewer_id: str | None = None,
    ) -> bool:
        viewer = await info.context.viewer()
        return await info.context.container.videos.viewing.record(
            parse_id(video_id, "videoId"),
            viewer.user_id if viewer else None,
            viewer_id,
            seconds_watched,
        )

    @strawberry.mutation(
        description="Keep where the signed-in viewer is in a video (`seconds` from its start), "
        "so that `Video.resumePosition` continues there on any device. Players call it every "
        "few seconds while playing and when they pause or close. True when the position is "
        "kept; false when it was cleared instead (within the first or last seconds)."
    )
    async def save_playback_position(
        self, info: Info, video_id: strawberry.ID, seconds: float
    ) -> bool:
        viewer = await info.context.require_viewer()
        positions = info.context.container.videos.positions
        return await positions.save(viewer.user_id, parse_id(video_id, "videoId"), seconds)


def upload_request(  # noqa: PLR0917 - the contract's arguments
    title: str,
    filename: str,
    size_bytes: int,
    content_type: str,
    description: str | None,
    visibility: Visibility | None,
) -> UploadRequest:
    """The arguments of ``createVideoUpload``, bounded before any work is done."""
    return UploadRequest(
        title=bounded(title, "title", 1000),
        filename=bounded(filename, "filename", 1000),
        size_bytes=size_bytes,
        content_type=bounded(content_type, "contentType", 200),
        description=bounded(description or "", "description", 20000),
        visibility=visibility or Visibility.PUBLIC,
    )
