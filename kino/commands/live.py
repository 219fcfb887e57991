"""The live application: create, rotate the key, end (the owner's); accept a publish, go
live, stop, end after the grace, attach the recording (the ingest's)."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError

from kino.commands.base import KinoApplication, last_position
from kino.domain.errors import ForbiddenError, NotFoundError
from kino.domain.live import (
    DESCRIPTION,
    TITLE,
    LiveStatus,
    LiveStream,
    StreamKey,
    hash_stream_key,
    new_stream_key,
)


@dataclass(frozen=True)
class PublishGrant:
    """What the ingest needs of a publish it accepted."""

    stream_id: UUID
    session: int
    owner_id: UUID
    title: str
    save_recording: bool


@dataclass(frozen=True)
class StreamCredentials:
    """Returned once: the key itself is never stored."""

    stream_id: UUID
    stream_key: str
    position: int


class LiveStreams(KinoApplication):
    name = "live"

    def create_stream(
        self, owner_id: UUID, title: str, description: str = "", save_recording: bool = True
    ) -> StreamCredentials:
        key = new_stream_key()
        stream = LiveStream(
            owner_id=owner_id,
            title=TITLE.clean(title),
            description=DESCRIPTION.clean(description),
            key_hash=hash_stream_key(key),
            save_recording=save_recording,
        )
        index = StreamKey(key_hash=stream.key_hash, stream_id=stream.id)
        recordings = self.save(stream, index)
        return StreamCredentials(stream.id, key, last_position(recordings))

    def rotate_key(self, stream_id: UUID, actor_id: UUID) -> StreamCredentials:
        stream = self.get_stream(stream_id)
        stream.check_owner(actor_id)
        key = new_stream_key()
        stream.rotate_key(hash_stream_key(key))
        index = StreamKey(key_hash=stream.key_hash, stream_id=stream.id)
        recordings = self.save(stream, index)
        return StreamCredentials(stream.id, key, last_position(recordings))

    def end_stream(self, stream_id: UUID, actor_id: UUID) -> int | None:
        stream = self.get_stream(stream_id)
        stream.check_owner(actor_id)
        stream.end()
        recordings = self.save(stream)
        return last_position(recordings) if recordings else None

    def verify_stream_key(self, key: str) -> UUID | None:
        """For the ingest: the stream this key may publish to, or None."""
        if len(key) > 200:
            return None
        try:
            index: object = self.repository.get(StreamKey.create_id(hash_stream_key(key)))
            stream = self.get_stream(index.stream_id) if isinstance(index, StreamKey) else None
        except (AggregateNotFoundError, NotFoundError):
            return None
        if stream is None or not stream.key_matches(key) or stream.status is LiveStatus.ENDED:
            return None
        return stream.id

    def report_live(self, stream_id: UUID) -> int | None:
        """The ingest saw the encoder start publishing."""
        stream = self.get_stream(stream_id)
        stream.go_live()
        recordings = self.save(stream)
        return last_position(recordings) if recordings else None

    def accept_publish(self, key: str, ingest: str) -> PublishGrant:
        """A publish with ``key`` on ``ingest``: ForbiddenError for an unknown, rotated or
        ended key, ConflictError when another ingest holds the stream."""
        stream_id = self.verify_stream_key(key)
        if stream_id is None:
            raise ForbiddenError("Unknown, rotated or ended stream key.")
        sessions: list[int] = []
        self.change(
            lambda: self.get_stream(stream_id),
            lambda stream: sessions.append(stream.accept_publish(ingest)),
        )
        stream = self.get_stream(stream_id)
        return PublishGrant(
            stream_id, sessions[-1], stream.owner_id, stream.title, stream.save_recording
        )

    def stop_publish(self, stream_id: UUID, session: int) -> int | None:
        """The encoder of ``session`` went away."""
        return self.change(
            lambda: self.get_stream(stream_id), lambda stream: stream.stop_publish(session)
        )

    def end_after_grace(self, stream_id: UUID, session: int) -> bool:
        """End the stream unless someone published since ``session``; True when ended."""
        ended: list[bool] = []

        def judge(stream: LiveStream) -> None:
            ended.append(stream.grace_over(session) or stream.status is LiveStatus.ENDED)
            if ended[-1]:
                stream.end()

        self.change(lambda: self.get_stream(stream_id), judge)
        return ended[-1]

    def is_ended(self, stream_id: UUID) -> bool:
        return self.get_stream(stream_id).status is LiveStatus.ENDED

    def attach_recording(self, stream_id: UUID, video_id: UUID) -> int | None:
        return self.change(
            lambda: self.get_stream(stream_id), lambda stream: stream.save_recording_as(video_id)
        )

    def report_offline(self, stream_id: UUID) -> int | None:
        """The ingest saw the encoder stop publishing."""
        stream = self.get_stream(stream_id)
        stream.go_offline()
        recordings = self.save(stream)
        return last_position(recordings) if recordings else None

    def get_stream(self, stream_id: UUID) -> LiveStream:
        return self.get_as(stream_id, LiveStream, NotFoundError("There is no such live stream."))
