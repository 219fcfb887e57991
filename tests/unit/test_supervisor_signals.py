"""`kino dev`'s signal handler only notes the signal; the supervisor logs it afterwards.

Found by the chaos campaign (bench/chaos): the handler logged, and a log call takes the log's
lock; a signal arriving while the supervisor itself was logging (or a second Ctrl-C while the
first one's handler logged) waited on that lock forever: `kino dev` hung with every child
still running."""

from __future__ import annotations

import signal
from typing import Any

import pytest

from kino.infrastructure.settings import Settings
from kino.workers import supervisor
from kino.workers.stop_signals import StopSignals


class NoLogging:
    def __getattr__(self, name: str) -> Any:
        raise AssertionError(f"log.{name} called inside a signal handler")


def test_two_signals_stop_the_supervisor_without_logging(
    monkeypatch: pytest.MonkeyPatch, restored_handlers: None
) -> None:
    running = supervisor.Supervisor(Settings(), names=("api",))
    signals = StopSignals(running._request_stop).install()
    monkeypatch.setattr(supervisor, "log", NoLogging())

    signal.raise_signal(signal.SIGINT)
    signal.raise_signal(signal.SIGINT)

    assert running.stopping
    assert signals.received == signal.SIGINT
