"""Fixtures for watching and comments: READY videos made by driving the Videos application's
transcoder commands directly (no ffmpeg), for everything except real playback."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kino.commands.videos import Videos
from kino.infrastructure.eventstore import eventstore_env


@pytest.fixture(scope="session")
def videos_app(endpoints) -> Iterator[Videos]:
    app = Videos(env=eventstore_env(endpoints.database_url))
    yield app
    app.close()
