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


class Said:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def info(self, event: str, **_: Any) -> None:
        self.lines.append(event)


def test_kino_is_said_to_run_once_its_api_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newcomer opened the printed address and got nothing for four seconds: the line
    came when the api was started, not when it answered."""
    said = Said()
    monkeypatch.setattr(supervisor, "log", said)
    running = supervisor.Supervisor(Settings(), names=("api", "projector"))
    running._announce_when_serving()
    assert said.lines == []
    (api,) = [child for child in running.children if child.name == "api"]
    api.health.answered = True
    running._announce_when_serving()
    running._announce_when_serving()
    assert said.lines == ["kino is running"]
