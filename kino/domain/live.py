"""The live context: a stream an owner publishes to from an encoder (OBS, ffmpeg).

The stream key is a bearer secret: only its SHA-256 is stored, in events too.
Status is OFFLINE until an ingest has made the encoder's first publish playable, LIVE
from then on (also while the encoder is away, within the reconnect grace), and ENDED for
good once the owner ends the stream or the grace runs out. Which ingest holds the stream
(``PublishAccepted``) is an event, so two ingests cannot both take it: the second's save
conflicts, or it finds the stream held.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import ConflictError, ForbiddenError
from kino.domain.text import description_rule, title_rule

_NAMESPACE = uuid5(NAMESPACE_URL, "https://kino.video/live")
MAX_TITLE_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 5000

TITLE = title_rule(MAX_TITLE_LENGTH, required="Give the stream a title.")
DESCRIPTION = description_rule(MAX_DESCRIPTION_LENGTH)


class LiveStatus(StrEnum):
    OFFLINE = "OFFLINE"
    LIVE = "LIVE"
    ENDED = "ENDED"


def new_stream_key() -> str:
    """A high-entropy key (256 bits), so a fast hash is enough to store it."""
    return "live_" + secrets.token_urlsafe(32)


def hash_stream_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def live_prefix(stream_id: UUID) -> str:
    """Where a stream's live playlists and segments are kept in the object store."""
    return f"live/{stream_id}/"


def recording_key(stream_id: UUID, session: int) -> str:
    """One publish session's recording, as received (FLV), in the object store."""
    return f"{live_prefix(stream_id)}recording/s{session:04d}.flv"


class LiveStream(Aggregate):
    class Created(Aggregate.Created):
        """Version 2 added ``save_recording`` (streams created before were not recorded)."""

        class_version = 2
        owner_id: UUID
        title: str
        description: str
        key_hash: str
        save_recording: bool

        @staticmethod
        def upcast_v1_v2(state: dict[str, object]) -> None:
            state["save_recording"] = False

    class KeyRotated(Aggregate.Event):
        key_hash: str

    class WentLive(Aggregate.Event):
        pass

    class WentOffline(Aggregate.Event):
        pass

    class Ended(Aggregate.Event):
        pass

    class PublishAccepted(Aggregate.Event):
        """An ingest took the encoder's publish: session ``session`` begins there."""

        ingest: str
        session: int

    class PublishStopped(Aggregate.Event):
        """The encoder of ``session`` went away (the reconnect grace begins)."""

        session: int

    class RecordingSaved(Aggregate.Event):
        video_id: UUID

    @event(Created)
    def __init__(
        self,
        owner_id: UUID,
        title: str,
        description: str,
        key_hash: str,
        save_recording: bool = True,
    ) -> None:
        self.owner_id = owner_id
        self.title = title
        self.description = description
        self.key_hash = key_hash
        self.save_recording = save_recording
        self.status = LiveStatus.OFFLINE
        self.ingest: str | None = None
        self.publishing = False
        self.sessions = 0
        self.recording_id: UUID | None = None

    def check_owner(self, user_id: UUID) -> None:
        if user_id != self.owner_id:
            raise ForbiddenError("Only the stream's owner can do that.")

    def key_matches(self, key: str) -> bool:
        return hmac.compare_digest(hash_stream_key(key), self.key_hash)

    def rotate_key(self, key_hash: str) -> None:
        if self.status is LiveStatus.ENDED:
            raise ConflictError("This stream has ended.")
        self._rotate_key(key_hash=key_hash)

    def go_live(self) -> None:
        if self.status is LiveStatus.ENDED:
            raise ConflictError("This stream has ended.")
        if self.status is LiveStatus.OFFLINE:
            self._go_live()

    def go_offline(self) -> None:
        if self.status is LiveStatus.LIVE:
            self._go_offline()

    def end(self) -> None:
        if self.status is not LiveStatus.ENDED:
            self._end()

    def accept_publish(self, ingest: str) -> int:
        """A new publish session on ``ingest``; refused when ended or held by another ingest.

        The same ingest may take back a stream it holds: it asks only when it has no
        session of its own for it (it restarted, so its old session is gone)."""
        if self.status is LiveStatus.ENDED:
            raise ConflictError("This stream has ended.")
        if self.publishing and self.ingest != ingest:
            raise ConflictError("This stream is already being published.")
        self._accept_publish(ingest=ingest, session=self.sessions + 1)
        return self.sessions

    def stop_publish(self, session: int) -> None:
        if self.publishing and session == self.sessions:
            self._stop_publish(session=session)

    def grace_over(self, session: int) -> bool:
        """True when nobody published since ``session`` stopped (so the stream may end)."""
        return not self.publishing and self.sessions == session

    def save_recording_as(self, video_id: UUID) -> None:
        if self.recording_id is None:
            self._save_recording(video_id=video_id)

    @event(KeyRotated)
    def _rotate_key(self, key_hash: str) -> None:
        self.key_hash = key_hash

    @event(WentLive)
    def _go_live(self) -> None:
        self.status = LiveStatus.LIVE

    @event(WentOffline)
    def _go_offline(self) -> None:
        self.status = LiveStatus.OFFLINE

    @event(Ended)
    def _end(self) -> None:
        self.status = LiveStatus.ENDED

    @event(PublishAccepted)
    def _accept_publish(self, ingest: str, session: int) -> None:
        self.ingest, self.sessions, self.publishing = ingest, session, True

    @event(PublishStopped)
    def _stop_publish(self, session: int) -> None:
        self.publishing = False

    @event(RecordingSaved)
    def _save_recording(self, video_id: UUID) -> None:
        self.recording_id = video_id


class StreamKey(Aggregate):
    """Finds a stream from the key an encoder presents (the ingest knows only the key).

    Its id is uuid5 of the key's hash; a rotated-away key still finds its stream,
    whose current hash then refuses it.
    """

    class Issued(Aggregate.Created):
        key_hash: str
        stream_id: UUID

    @staticmethod
    def create_id(key_hash: str, stream_id: UUID | None = None) -> UUID:
        return uuid5(_NAMESPACE, key_hash)

    @event(Issued)
    def __init__(self, key_hash: str, stream_id: UUID) -> None:
        self.stream_id = stream_id
