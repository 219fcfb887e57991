"""The upload use cases: create an upload, receive its bytes, complete it.

The ``createVideoUpload``/``completeVideoUpload`` resolvers and the upload endpoint call
these, so every rule (ownership, the upload's state, the token, the declared size, what is
in the object store) is written once, here and in the ``Video`` aggregate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from uuid import UUID

from kino.commands.videos import Videos
from kino.domain.video_rules import stored_content_type
from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.uploads import UploadTokens


@dataclass(frozen=True)
class NewUpload:
    video_id: UUID
    upload_url: str
    content_type: str  # the Content-Type the bytes are sent with: one of the allow-list's
    expires_at: datetime
    position: int


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
    visibility: str = "PUBLIC"


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
        presigned = self.store.presigned_put(
            created.source_key, created.content_type, self.tokens.ttl
        )
        token, expires_at = self.tokens.issue(created.video_id, owner_id, request.size_bytes)
        url = presigned or f"{self.public_url}/uploads/{created.video_id}?token={token}"
        return NewUpload(created.video_id, url, created.content_type, expires_at, created.position)

    def open_slot(self, token: str, video_id: UUID) -> UploadSlot:
        """The upload the token names, while its bytes may still be sent by its owner."""
        grant = self.tokens.verify(token, video_id)
        video = self.videos.get_video(video_id)
        video.check_owner(grant.user_id)
        video.check_awaiting_upload()
        content_type = stored_content_type(video.content_type)
        return UploadSlot(video_id, video.source_key, content_type, grant.size_bytes)

    def keep(self, slot: UploadSlot, path: Path) -> None:
        """Keep the received file as the upload's source (the file is moved away)."""
        self.store.put_file(slot.source_key, path, slot.content_type, move=True)

    def refuse_oversized(self, slot: UploadSlot) -> str:
        """More bytes came than declared: the video fails (nothing is kept); the reason."""
        reason = f"The uploaded file is larger than the {slot.size_bytes} bytes declared."
        self.videos.fail(slot.video_id, reason)
        return reason

    def complete(self, video_id: UUID, user_id: UUID) -> int:
        """Start processing what the object store holds (or fail on a size mismatch)."""
        video = self.videos.get_video(video_id)
        video.check_owner(user_id)
        stored = self.store.stat(video.source_key)
        return self.videos.complete_upload(video_id, user_id, stored.size if stored else None)
