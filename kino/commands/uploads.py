"""The upload use cases: create an upload, renew its URLs, receive its bytes, complete it.

The ``createVideoUpload``/``renewVideoUpload``/``completeVideoUpload`` resolvers and the
upload endpoint call these, so every rule (ownership, the upload's state, the token, the
declared size, what is in the object store) is written once, here and in the ``Video``
aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

from kino.commands.videos import Videos
from kino.domain.video_rules import stored_content_type
from kino.domain.video_values import VideoStatus, Visibility
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.uploads import UploadTokens


@dataclass(frozen=True)
class NewUpload:
    video_id: UUID
    upload_url: str
    content_type: str  # the Content-Type the bytes are sent with: one of the allow-list's
    expires_at: datetime
    position: int
    tus_url: str  # the same upload as a tus resource (kino/http/tus.py)


@dataclass(frozen=True)
class UploadSlot:
    """Where the bytes of an upload the token allows may go, and how many at most."""

    video_id: UUID
    source_key: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class UploadRequest:
    title: str
    filename: str
    size_bytes: int
    content_type: str
    description: str = ""
    visibility: str = Visibility.PUBLIC  # as sent: the domain checks it


class Uploads:
    def __init__(
        self,
        videos: Videos,
        store: ObjectStore,
        tokens: UploadTokens,
        *,
        public_url: str,
        max_bytes: int,
    ) -> None:
        self.videos, self.store, self.tokens = videos, store, tokens
        self.public_url = public_url
        self.max_bytes = max_bytes

    def create(self, owner_id: UUID, request: UploadRequest) -> NewUpload:
        """A new video awaiting its bytes, and where to send them (presigned or the api's)."""
        created = self.videos.create_upload(
            owner_id,
            title=request.title,
            filename=request.filename,
            size_bytes=request.size_bytes,
            content_type=request.content_type,
            description=request.description,
            visibility=request.visibility,
            max_bytes=self.max_bytes,
        )
        slot = UploadSlot(
            created.video_id, created.source_key, created.content_type, request.size_bytes
        )
        return self._hand_out(owner_id, slot, created.position)

    def renew(self, owner_id: UUID, video_id: UUID) -> NewUpload:
        """Fresh URLs for the owner's upload still awaiting its bytes (the old ones were lost
        or are about to expire): the bytes already received stay, a tus client continues from
        them, and the abandoned-upload deadline starts again."""
        position = self.videos.renew_upload(video_id, owner_id)
        video = self.videos.get_video(video_id)
        content_type = stored_content_type(video.content_type)
        slot = UploadSlot(video_id, video.source_key, content_type, video.size_bytes)
        return self._hand_out(owner_id, slot, position)

    def _hand_out(self, owner_id: UUID, slot: UploadSlot, position: int) -> NewUpload:
        """Where the slot's bytes go: presigned by the store, else the api's own endpoint."""
        video_id = slot.video_id
        presigned = self.store.presigned_put(slot.source_key, slot.content_type, self.tokens.ttl)
        token, expires_at = self.tokens.issue(video_id, owner_id, slot.size_bytes)
        url = presigned or f"{self.public_url}/uploads/{video_id}?token={token}"
        tus_url = f"{self.public_url}/uploads/tus/{video_id}?token={token}"
        return NewUpload(video_id, url, slot.content_type, expires_at, position, tus_url)

    def open_slot(self, token: str, video_id: UUID) -> UploadSlot:
        """The upload the token names, while its bytes may still be sent by its owner."""
        grant = self.tokens.verify(token, video_id)
        video = self.videos.get_video(video_id)
        video.check_owner(grant.user_id)
        video.check_awaiting_upload()
        content_type = stored_content_type(video.content_type)
        return UploadSlot(video_id, video.source_key, content_type, grant.size_bytes)

    def keep(self, slot: UploadSlot, path: Path) -> None:
        """Keep the received file as the upload's source (the file is moved away), on stable
        storage before the upload is acknowledged: a source cannot be made again."""
        self.store.put_file(slot.source_key, path, slot.content_type, move=True, durable=True)

    def refuse_oversized(self, slot: UploadSlot) -> str:
        """More bytes came than declared: the video fails (nothing is kept); the reason."""
        reason = f"The uploaded file is larger than the {slot.size_bytes} bytes declared."
        self.videos.fail(slot.video_id, reason)
        return reason

    def complete(self, video_id: UUID, user_id: UUID) -> int:
        """Start processing what the object store holds (or fail on a size mismatch); an
        upload already completed (a tus upload completes itself) stays as it is (0)."""
        video = self.videos.get_video(video_id)
        video.check_owner(user_id)
        if video.status in (VideoStatus.PROCESSING, VideoStatus.READY) and not video.deleted:
            return 0
        stored = self.store.stat(video.source_key)
        return self.videos.complete_upload(video_id, user_id, stored.size if stored else None)
