"""The live context: a stream an owner publishes to from an encoder (OBS, ffmpeg).

The stream key is a bearer secret: only its SHA-256 is stored, in events too.
Status is OFFLINE until an ingest reports the encoder connected, LIVE while it
publishes, and ENDED for good once the owner ends the stream.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from enum import StrEnum
from uuid import NAMESPACE_URL, UUID, uuid5

from eventsourcing.domain import Aggregate, event

from kino.domain.errors import ConflictError, ForbiddenError
from kino.domain.text import TextRule

_NAMESPACE = uuid5(NAMESPACE_URL, "https://kino.video/live")
MAX_TITLE_LENGTH = 120
MAX_DESCRIPTION_LENGTH = 5000

TITLE = TextRule(
    field="title",
    name="The title",
    max_length=MAX_TITLE_LENGTH,
    required="Give the stream a title.",
    collapse_spaces=True,
)
DESCRIPTION = TextRule(
    field="description",
    name="The description",
    max_length=MAX_DESCRIPTION_LENGTH,
    multiline=True,
)


class LiveStatus(StrEnum):
    OFFLINE = "OFFLINE"
    LIVE = "LIVE"
    ENDED = "ENDED"


def new_stream_key() -> str:
    """A high-entropy key (256 bits), so a fast hash is enough to store it."""
    return "live_" + secrets.token_urlsafe(32)


def hash_stream_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class LiveStream(Aggregate):
    class Created(Aggregate.Created):
        owner_id: UUID
        title: str
        description: str
        key_hash: str

    class KeyRotated(Aggregate.Event):
        key_hash: str

    class WentLive(Aggregate.Event):
        pass

    class WentOffline(Aggregate.Event):
        pass

    class Ended(Aggregate.Event):
        pass

    @event(Created)
    def __init__(self, owner_id: UUID, title: str, description: str, key_hash: str) -> None:
        self.owner_id = owner_id
        self.title = title
        self.description = description
        self.key_hash = key_hash
        self.status = LiveStatus.OFFLINE

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
