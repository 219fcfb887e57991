"""The resumable (tus) upload use case: where an upload stands, append a chunk, cancel it.

The tus endpoint (``kino/http/tus.py``) speaks the protocol; every rule is here: the upload's
token (valid until the abandoned-upload deadline, see ``UploadTokens.verify``), its owner, its
state (``Video.check_awaiting_upload``), the offset, the declared length, and the completion
once the last byte is kept (the same ``Uploads.complete`` that ``completeVideoUpload`` calls).
An append is a ``TusAppend``: the endpoint hands it the bytes as they arrive.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from kino.commands.uploads import Uploads
from kino.domain.errors import ConflictError, NotFoundError
from kino.domain.video_rules import stored_content_type, video_prefix
from kino.domain.video_values import VideoStatus
from kino.domain.videos import Video
from kino.infrastructure.storage.resumable import (
    Appender,
    OffsetMismatchError,
    ResumableStore,
    tus_prefix,
)

CANCELLED = "cancelled"


class UploadGoneError(NotFoundError):
    """The upload was cancelled, failed or its video deleted: it will never take bytes again."""


class OffsetConflictError(ConflictError):
    """The append does not start at the upload's offset (tus answers 409 with the offset)."""

    def __init__(self, offset: int) -> None:
        super().__init__(f"the upload's offset is {offset}")
        self.offset = offset


@dataclass(frozen=True)
class TusUpload:
    video_id: UUID
    user_id: UUID
    length: int
    offset: int
    expires_at: datetime  # after this the upload is abandoned (and removed)
    content_type: str
    completed: bool  # every byte arrived; the video is processing (or further)

    @property
    def prefix(self) -> str:
        return tus_prefix(video_prefix(self.video_id))


class ResumableUploads:
    def __init__(self, uploads: Uploads, store: ResumableStore) -> None:
        self.uploads, self.store = uploads, store

    def status(self, token: str, video_id: UUID) -> TusUpload:
        """The upload the token names, for its owner; UploadGoneError once it cannot resume."""
        return self._upload(token, video_id)[0]

    def begin(self, token: str, video_id: UUID, offset: int) -> TusAppend:
        """Start an append at ``offset`` (OffsetConflictError when it is not the upload's)."""
        upload = self._awaiting(token, video_id)
        try:
            appender = self.store.append(upload.prefix, offset, upload.content_type, upload.length)
        except OffsetMismatchError as mismatch:
            raise OffsetConflictError(mismatch.offset) from None
        return TusAppend(self, upload, appender)

    def finish(self, upload: TusUpload) -> None:
        """Turn the kept bytes into the video's source and complete the upload (idempotent)."""
        source = self.uploads.videos.get_video(upload.video_id).source_key
        self.store.finish(upload.prefix, source, upload.content_type)
        self.uploads.complete(upload.video_id, upload.user_id)

    def terminate(self, token: str, video_id: UUID) -> None:
        """tus termination: the video fails as cancelled and its bytes go."""
        upload = self._awaiting(token, video_id)
        self.uploads.videos.fail(video_id, CANCELLED)
        self.store.discard(upload.prefix)

    def _upload(self, token: str, video_id: UUID) -> tuple[TusUpload, Video]:
        tokens, videos = self.uploads.tokens, self.uploads.videos
        grant = tokens.verify(token, video_id, resumable=True)
        video = videos.get_video(video_id)
        video.check_owner(grant.user_id)
        if video.deleted or video.status == VideoStatus.FAILED:
            raise UploadGoneError("This upload was cancelled or has failed.")
        completed = video.status != VideoStatus.AWAITING_UPLOAD
        prefix = tus_prefix(video_prefix(video_id))
        offset = video.size_bytes if completed else self.store.offset(prefix)
        content_type = stored_content_type(video.content_type)
        expires_at = grant.expires_at + tokens.ttl
        upload = TusUpload(
            video_id, grant.user_id, video.size_bytes, offset, expires_at, content_type, completed
        )
        return upload, video

    def _awaiting(self, token: str, video_id: UUID) -> TusUpload:
        """The upload while it still takes bytes (ConflictError once completed)."""
        upload, video = self._upload(token, video_id)
        video.check_awaiting_upload()
        return upload


class TusAppend:
    """One append to an upload: ``write`` the bytes as they arrive, then ``commit`` (with the
    last byte the upload completes) or ``abort`` (nothing written since it began is kept)."""

    def __init__(self, uploads: ResumableUploads, upload: TusUpload, appender: Appender) -> None:
        self.upload = upload
        self._uploads, self._appender = uploads, appender

    def write(self, data: bytes) -> None:
        self._appender.write(data)

    def commit(self) -> int:
        """Keep what was written (durably); the new offset."""
        offset = self._appender.commit()
        if offset == self.upload.length:
            self._uploads.finish(self.upload)
        return offset

    def abort(self) -> None:
        self._appender.abort()
