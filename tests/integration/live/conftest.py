"""The live tests use the videos context's relay and transcoder (the recording is a video)."""

from tests.integration.videos.conftest import _nats_cleanup, relay, transcoder, video_settings

__all__ = ["_nats_cleanup", "relay", "transcoder", "video_settings"]
