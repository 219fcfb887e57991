"""The videos context: one ``Video`` aggregate per upload.

Life cycle: upload created (AWAITING_UPLOAD) → upload completed (PROCESSING) →
probed → one rendition added per rung of the ladder (images and a storyboard of hover
previews along the way) → ready, or failed with a
reason a person understands. Details and visibility can be edited by the owner;
deletion is final. Commands from the transcoder are idempotent: a redelivered job
may report a rendition or the readiness twice, and the second report changes nothing.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import ConflictError, ForbiddenError, NotFoundError
from kino.domain.video_rules import DESCRIPTION, TITLE, check_visibility, source_key
from kino.domain.video_values import (
    ProbeResult,
    Rendition,
    Storyboard,
    VideoStatus,
    Visibility,
)


class Video(Aggregate):
    class UploadCreated(Aggregate.Created):
        owner_id: UUID
        title: str
        description: str
        visibility: str
        filename: str
        content_type: str
        size_bytes: int

    class UploadCompleted(Aggregate.Event):
        size_bytes: int

    class UploadRenewed(Aggregate.Event):
        """The owner was handed fresh upload URLs; the abandoned-upload deadline restarts."""

        renewed_on: datetime

    class Probed(Aggregate.Event):
        duration_seconds: float
        width: int
        height: int
        has_video: bool
        has_audio: bool
        ladder: list[str]

    class RenditionAdded(Aggregate.Event):
        rendition: dict[str, Any]  # name, width, height, bandwidth, codecs, playlist_key
        master_key: str

    class ImagesAdded(Aggregate.Event):
        thumbnail_key: str
        poster_key: str

    class StoryboardAdded(Aggregate.Event):
        """Hover previews: a sprite of ``tiles`` frames, one every ``interval_seconds``, and
        its WebVTT index (``#xywh=`` cues) that players read."""

        index_key: str  # the WebVTT
        sprite_key: str  # the JPEG sprite
        interval_seconds: float
        tiles: int
        tile_width: int
        tile_height: int

    class BecameReady(Aggregate.Event):
        pass

    class Failed(Aggregate.Event):
        reason: str

    class DetailsEdited(Aggregate.Event):
        title: str
        description: str

    class VisibilityChanged(Aggregate.Event):
        visibility: str

    class Deleted(Aggregate.Event):
        pass

    @event(UploadCreated)
    def __init__(  # noqa: PLR0917 - the event's fields
        self,
        owner_id: UUID,
        title: str,
        description: str,
        visibility: str,
        filename: str,
        content_type: str,
        size_bytes: int,
    ) -> None:
        self.owner_id = owner_id
        self.title = title
        self.description = description
        self.visibility = Visibility(visibility)
        self.filename = filename
        self.content_type = content_type
        self.size_bytes = size_bytes
        self.status = VideoStatus.AWAITING_UPLOAD
        self.ladder: list[str] = []
        self.renditions: dict[str, Rendition] = {}
        self.thumbnail_key: str | None = None
        self.storyboard_key: str | None = None
        self.failure_reason: str | None = None
        self.deleted = False
        self.upload_renewed_on: datetime | None = None

    def check_owner(self, user_id: UUID) -> None:
        if self.deleted:
            raise NotFoundError("There is no such video.")
        if user_id != self.owner_id:
            raise ForbiddenError("Only the owner of this video can do that.")

    @property
    def source_key(self) -> str:
        return source_key(self.id)

    @property
    def finished(self) -> bool:
        return self.deleted or self.status in (VideoStatus.READY, VideoStatus.FAILED)

    def check_awaiting_upload(self) -> None:
        """The upload's bytes may still be sent (and the upload completed) — else why not."""
        if self.status == VideoStatus.FAILED:
            raise ConflictError(f"This upload failed: {self.failure_reason}")
        if self.status != VideoStatus.AWAITING_UPLOAD:
            raise ConflictError("This upload was already completed.")

    @property
    def upload_started_on(self) -> datetime:
        """When the upload's current URLs were handed out: the abandoned-upload clock."""
        return self.upload_renewed_on or self.created_on

    def renew_upload(self, now: datetime) -> None:
        """Fresh URLs for an upload still awaiting bytes (what arrived so far is kept)."""
        self.check_awaiting_upload()
        self._upload_renewed(renewed_on=now)

    def complete_upload(self, size_bytes: int) -> None:
        self.check_awaiting_upload()
        self._complete_upload(size_bytes=size_bytes)

    def record_probe(self, probe: ProbeResult) -> None:
        if self.status == VideoStatus.PROCESSING and not self.ladder:
            self._probed(**probe.as_payload())

    def add_rendition(self, rendition: Rendition, master_key: str) -> bool:
        if self.status != VideoStatus.PROCESSING or rendition.name in self.renditions:
            return False
        self._rendition_added(rendition=rendition.as_payload(), master_key=master_key)
        return True

    def add_images(self, thumbnail_key: str, poster_key: str) -> None:
        if self.status == VideoStatus.PROCESSING and self.thumbnail_key is None:
            self._images_added(thumbnail_key=thumbnail_key, poster_key=poster_key)

    def add_storyboard(self, storyboard: Storyboard) -> None:
        if self.status == VideoStatus.PROCESSING and self.storyboard_key is None:
            self._storyboard_added(**storyboard.as_payload())

    def mark_ready(self) -> None:
        if self.status != VideoStatus.PROCESSING:
            return
        missing = [name for name in self.ladder if name not in self.renditions]
        if not self.ladder or missing:
            raise ConflictError(f"Renditions still missing: {', '.join(missing) or 'all'}.")
        self._became_ready()

    def fail(self, reason: str) -> None:
        if not self.finished:
            self._failed(reason=reason[:500])

    def edit(self, title: str | None, description: str | None) -> None:
        new_title = TITLE.clean(title) if title is not None else self.title
        new_description = (
            DESCRIPTION.clean(description) if description is not None else self.description
        )
        if (new_title, new_description) != (self.title, self.description):
            self._details_edited(title=new_title, description=new_description)

    def change_visibility(self, visibility: str) -> None:
        changed = check_visibility(visibility)
        if changed != self.visibility:
            self._visibility_changed(visibility=changed.value)

    def delete(self) -> None:
        if not self.deleted:
            self._deleted()

    @event(UploadCompleted)
    def _complete_upload(self, size_bytes: int) -> None:
        self.status = VideoStatus.PROCESSING

    @event(UploadRenewed)
    def _upload_renewed(self, renewed_on: datetime) -> None:
        self.upload_renewed_on = renewed_on

    @event(Probed)
    def _probed(  # noqa: PLR0917 - the event's fields
        self,
        duration_seconds: float,
        width: int,
        height: int,
        has_video: bool,
        has_audio: bool,
        ladder: list[str],
    ) -> None:
        self.ladder = list(ladder)

    @event(RenditionAdded)
    def _rendition_added(self, rendition: dict[str, Any], master_key: str) -> None:
        self.renditions[rendition["name"]] = Rendition.from_payload(rendition)

    @event(ImagesAdded)
    def _images_added(self, thumbnail_key: str, poster_key: str) -> None:
        self.thumbnail_key = thumbnail_key

    @event(StoryboardAdded)
    def _storyboard_added(  # noqa: PLR0917 - the event's fields
        self,
        index_key: str,
        sprite_key: str,
        interval_seconds: float,
        tiles: int,
        tile_width: int,
        tile_height: int,
    ) -> None:
        self.storyboard_key = index_key

    @event(BecameReady)
    def _became_ready(self) -> None:
        self.status = VideoStatus.READY

    @event(Failed)
    def _failed(self, reason: str) -> None:
        self.status = VideoStatus.FAILED
        self.failure_reason = reason

    @event(DetailsEdited)
    def _details_edited(self, title: str, description: str) -> None:
        self.title = title
        self.description = description

    @event(VisibilityChanged)
    def _visibility_changed(self, visibility: str) -> None:
        self.visibility = Visibility(visibility)

    @event(Deleted)
    def _deleted(self) -> None:
        self.deleted = True
