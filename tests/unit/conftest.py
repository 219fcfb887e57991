"""Fixtures shared by the unit tests."""

from __future__ import annotations

import signal
from collections.abc import Iterator

import pytest

from kino.workers.stop_signals import STOP_SIGNALS


@pytest.fixture
def restored_handlers() -> Iterator[None]:
    """The process's SIGTERM and SIGINT handlers as they were before the test."""
    previous = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    yield
    for sig, handler in previous.items():
        signal.signal(sig, handler)
