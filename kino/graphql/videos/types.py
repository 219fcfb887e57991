"""GraphQL types of the videos context (the contract's Video, Rendition, VideoUpload, Header)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import strawberry

from kino.commands.uploads import NewUpload
from kino.domain.video_values import VideoStatus, Visibility
from kino.graphql.accounts.types import UserType, required_user
from kino.graphql.context import Info, KinoContext
from kino.queries.positions import read_back as written
from kino.queries.videos import VideoRecord

# The domain's enums are the GraphQL enums (registered once, under the contract's names).
strawberry.enum(Visibility, name="Visibility")
strawberry.enum(VideoStatus, name="VideoStatus")


@strawberry.type(name="Rendition")
class RenditionType:
    name: str
    width: int
    height: int
    bandwidth: int
    codecs: str
    playlist_url: str


@strawberry.type(name="Header")
class HeaderType:
    name: str
    value: str


@strawberry.type(name="Video")
class VideoType:
    id: strawberry.ID
    title: str
    description: str
    visibility: Visibility
    status: VideoStatus
    created_at: datetime
    duration_seconds: float | None
    width: int | None
    height: int | None
    renditions: list[RenditionType] = strawberry.field(description="Lowest first.")
    playback_url: str | None
    thumbnail_url: str | None
    view_count: int
    comment_count: int
    failure_reason: str | None
    storyboard_url: str | None = strawberry.field(
        description="Hover previews of the seek bar: a WebVTT index whose cues point into one "
        "JPEG sprite (`storyboard.jpg#xywh=x,y,w,h`); set once the transcoder has made it."
    )
    _owner_id: strawberry.Private[UUID]

    @strawberry.field
    async def owner(self, info: Info) -> UserType:
        return await required_user(info.context, self._owner_id, "owner of this video")

    @strawberry.field(
        description="Where the signed-in viewer stopped watching (seconds), to continue "
        "there; null when signed out or when there is nothing to resume."
    )
    async def resume_position(self, info: Info) -> float | None:
        viewer = await info.context.viewer()
        if viewer is None:
            return None
        positions = info.context.container.videos.positions
        return await positions.position(viewer.user_id, UUID(self.id))

    @classmethod
    def from_record(cls, context: KinoContext, record: VideoRecord) -> VideoType:
        """Only the owner is ever shown a PRIVATE record: its URLs carry a media token of the
        owner's session (none when the viewer is not known to be the owner)."""
        media = context.container.videos.media
        viewer = context.signed_in
        token = (
            media.tokens.issue(
                record.id, viewer.user_id, viewer.session_id, record.duration_seconds or 0
            )
            if record.visibility is Visibility.PRIVATE
            and viewer
            and viewer.user_id == record.owner_id
            else None
        )

        def url(video_id: UUID, key: str | None) -> str | None:
            return media.url(video_id, key, token)

        return cls(
            id=strawberry.ID(str(record.id)),
            title=record.title,
            description=record.description,
            visibility=record.visibility,
            status=record.status,
            created_at=record.created_at,
            duration_seconds=record.duration_seconds,
            width=record.width,
            height=record.height,
            renditions=[
                RenditionType(
                    name=r.name,
                    width=r.width,
                    height=r.height,
                    bandwidth=r.bandwidth,
                    codecs=r.codecs,
                    playlist_url=url(record.id, r.playlist_key) or "",
                )
                for r in record.renditions
            ],
            playback_url=url(record.id, record.playback_key),
            thumbnail_url=url(record.id, record.thumbnail_key),
            view_count=record.view_count,
            comment_count=record.comment_count,
            failure_reason=record.failure_reason,
            storyboard_url=url(record.id, record.storyboard_key),
            _owner_id=record.owner_id,
        )


@strawberry.type(name="VideoUpload")
class VideoUploadType:
    video: VideoType
    upload_url: str
    upload_method: str
    upload_headers: list[HeaderType]
    expires_at: datetime
    tus_url: str = strawberry.field(
        description="The same upload as a tus 1.0.0 resource (HEAD, PATCH, DELETE): a tus "
        "client resumes it; it completes itself when the last byte arrives."
    )

    @classmethod
    def of(cls, video: VideoType, upload: NewUpload) -> VideoUploadType:
        return cls(
            video=video,
            upload_url=upload.upload_url,
            upload_method="PUT",
            upload_headers=[HeaderType(name="Content-Type", value=upload.content_type)],
            expires_at=upload.expires_at,
            tus_url=upload.tus_url,
        )


async def read_back(context: KinoContext, video_id: UUID, position: int | None) -> VideoType:
    """The video as the catalog shows it once it has caught up with ``position``."""
    videos = context.container.videos
    record = await written(videos.catalog, videos.app.name, video_id, position, "video")
    return VideoType.from_record(context, record)
