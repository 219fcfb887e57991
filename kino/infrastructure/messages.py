"""The messages Kino's processes exchange over NATS JetStream (subjects: ``broker.py``).

- ``VideoEventMessage``: an event of the videos application the relay passes on
  (``{ns}.videos.created``, ``{ns}.videos.removed``);
- ``TranscodeJobMessage``: a completed upload to transcode (``{ns}.videos.uploaded.N``; moved
  to ``{ns}.videos.long.N`` with ``duration_seconds`` once its probe finds it long);
- ``DeadLetterMessage``: a job that failed every attempt (``{ns}.videos.dead``).

Each travels as a JSON object with these field names (UUIDs as strings), as Kino has always
sent them, so messages already in a stream still decode; fields a model does not know are
ignored. faststream publishes the models as JSON and validates a subscriber's argument
against its annotation; ``TranscodeJobMessage.decode`` reads a job fetched by hand.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError

__all__ = [
    "DeadLetterMessage",
    "MalformedMessageError",
    "TranscodeJobMessage",
    "VideoEventMessage",
]

ERROR_MAX = 1000  # characters of a dead letter's error


class MalformedMessageError(ValueError):
    """A message body that is not the model its subject carries."""


class VideoEventMessage(BaseModel):
    model_config = ConfigDict(frozen=True)

    video_id: UUID
    event: str  # the event class's name: "UploadCreated", "UploadCompleted", "Deleted", ...
    notification_id: int  # its position in the videos notification log

    @property
    def message_id(self) -> str:
        """``Nats-Msg-Id``: JetStream drops a second publish of the same notification."""
        return f"videos-{self.notification_id}"

    def as_job(self, owner_id: UUID, level: int) -> TranscodeJobMessage:
        return TranscodeJobMessage(
            video_id=self.video_id,
            event=self.event,
            notification_id=self.notification_id,
            owner_id=owner_id,
            level=level,
        )


class TranscodeJobMessage(VideoEventMessage):
    owner_id: UUID
    level: int  # the owner's fair-share level: the lane it was published to
    duration_seconds: float | None = None  # the probe's, once moved to the long lane

    @classmethod
    def decode(cls, body: bytes) -> TranscodeJobMessage:
        try:
            return cls.model_validate_json(body)
        except ValidationError as error:
            raise MalformedMessageError(f"not a transcoding job: {error}") from None

    @property
    def long_lane_message_id(self) -> str:
        return f"long-{self.video_id}-{self.notification_id}"

    def moved_to_long_lane(self, duration_seconds: float) -> TranscodeJobMessage:
        return self.model_copy(update={"duration_seconds": duration_seconds})

    def dead(self, error: str) -> DeadLetterMessage:
        return DeadLetterMessage(**self.model_dump(), error=error[:ERROR_MAX])


class DeadLetterMessage(TranscodeJobMessage):
    error: str  # why the last attempt failed
