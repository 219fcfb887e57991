"""The videos application: uploads, transcoding results, edits, deletion.

The api calls the owner's commands; the transcoder reports its results through
the ``record_*``/``add_*``/``mark_ready``/``fail`` commands, which are idempotent
because a job may be delivered more than once. Each command returns the
notification id of its last event (``None`` when nothing changed) for
read-your-writes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from kino.commands.base import KinoApplication, last_position
from kino.domain.errors import BadInputError, NotFoundError
from kino.domain.video_rules import (
    DESCRIPTION,
    TITLE,
    check_content_type,
    check_visibility,
    clean_filename,
    master_key,
)
from kino.domain.video_values import ProbeResult, Rendition, Storyboard, VideoStatus, Visibility
from kino.domain.videos import Video


@dataclass(frozen=True)
class UploadCreated:
    video_id: UUID
    source_key: str
    content_type: str  # one of CONTENT_TYPES: the upload's Content-Type header
    position: int


class Videos(KinoApplication):
    name = "videos"

    def create_upload(
        self,
        owner_id: UUID,
        *,
        title: str,
        filename: str,
        size_bytes: int,
        content_type: str,
        description: str = "",
        visibility: str = Visibility.PUBLIC,
        max_bytes: int = 2**31 - 1,
    ) -> UploadCreated:
        if size_bytes < 0 or size_bytes > max_bytes:
            raise BadInputError(
                f"sizeBytes must be between 0 and {max_bytes} bytes.", field="sizeBytes"
            )
        video = Video(
            owner_id=owner_id,
            title=TITLE.clean(title),
            description=DESCRIPTION.clean(description),
            visibility=check_visibility(visibility).value,
            filename=clean_filename(filename),
            content_type=check_content_type(content_type),
            size_bytes=size_bytes,
        )
        recordings = self.save(video)
        return UploadCreated(
            video.id, video.source_key, video.content_type, last_position(recordings)
        )

    def complete_upload(self, video_id: UUID, user_id: UUID, stored_size: int | None) -> int:
        """Start processing if the stored object has the declared size; else fail the video."""
        video = self.get_video(video_id)
        video.check_owner(user_id)
        video.check_awaiting_upload()
        if stored_size is None:
            if video.size_bytes == 0:
                video.fail("The uploaded file is empty.")
                return self._save(video) or 0
            raise BadInputError("No file has been uploaded for this video yet.", field="videoId")
        if stored_size != video.size_bytes:
            video.fail(
                f"The uploaded file has {stored_size} bytes but {video.size_bytes} were declared."
            )
        elif stored_size == 0:
            video.fail("The uploaded file is empty.")
        else:
            video.complete_upload(stored_size)
        return self._save(video) or 0

    def renew_upload(self, video_id: UUID, user_id: UUID) -> int:
        """The owner takes fresh upload URLs for a video still awaiting its bytes."""
        video = self.get_video(video_id)
        video.check_owner(user_id)
        video.renew_upload(datetime.now(UTC))
        return self._save(video) or 0

    def update_video(
        self,
        video_id: UUID,
        user_id: UUID,
        title: str | None = None,
        description: str | None = None,
        visibility: str | None = None,
    ) -> int | None:
        video = self.get_video(video_id)
        video.check_owner(user_id)
        video.edit(title, description)
        if visibility is not None:
            video.change_visibility(visibility)
        return self._save(video)

    def delete_video(self, video_id: UUID, user_id: UUID) -> int | None:
        video = self.get_video(video_id)
        video.check_owner(user_id)
        video.delete()
        return self._save(video)

    # The transcoder's commands: idempotent, safe to repeat.

    def record_probe(self, video_id: UUID, probe: ProbeResult) -> int | None:
        return self._apply(video_id, lambda video: video.record_probe(probe))

    def add_rendition(self, video_id: UUID, rendition: Rendition) -> int | None:
        key = master_key(video_id)
        return self._apply(video_id, lambda video: video.add_rendition(rendition, key))

    def add_images(self, video_id: UUID, thumbnail_key: str, poster_key: str) -> int | None:
        return self._apply(video_id, lambda video: video.add_images(thumbnail_key, poster_key))

    def add_storyboard(self, video_id: UUID, storyboard: Storyboard) -> int | None:
        return self._apply(video_id, lambda video: video.add_storyboard(storyboard))

    def mark_ready(self, video_id: UUID) -> int | None:
        return self._apply(video_id, lambda video: video.mark_ready())

    def expire_upload(
        self, video_id: UUID, reason: str, started_on: datetime | None = None
    ) -> int | None:
        """Fail a video whose upload never completed (and only such a video); with
        ``started_on`` (the start the caller judged), not if its URLs were renewed since."""

        def expire(video: Video) -> None:
            renewed = started_on is not None and video.upload_started_on != started_on
            if video.status == VideoStatus.AWAITING_UPLOAD and not renewed:
                video.fail(reason)

        return self._apply(video_id, expire)

    def fail(self, video_id: UUID, reason: str) -> int | None:
        return self._apply(video_id, lambda video: video.fail(reason))

    def get_video(self, video_id: UUID) -> Video:
        return self.get_as(video_id, Video, NotFoundError("There is no such video."))

    def _apply(self, video_id: UUID, change: Callable[[Video], object]) -> int | None:
        """Change a video (retried on a concurrent write); a deleted video stays as it is."""

        def unless_deleted(video: Video) -> None:
            if not video.deleted:
                change(video)

        return self.change(lambda: self.get_video(video_id), unless_deleted)

    def _save(self, video: Video) -> int | None:
        recordings = self.save(video)
        return last_position(recordings) if recordings else None
