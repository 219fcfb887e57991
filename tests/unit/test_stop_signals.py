"""A stop signal must stop a process even when it lands in the middle of a log write or of a
wait on the projector's event: the handler takes no lock (the CI once saw `kino projector`
ignore SIGTERM for good)."""

from __future__ import annotations

import signal
import sys

import pytest
import structlog
from structlog._output import WRITE_LOCKS

from kino.projections.projector import Projector
from kino.workers.stop_signals import StopSignals


def stderr_logger() -> structlog.stdlib.BoundLogger:
    """A logger writing through structlog's PrintLogger, as kino's processes do."""
    return structlog.wrap_logger(structlog.PrintLogger(sys.stderr))  # type: ignore[no-any-return]


@pytest.mark.timeout(60)  # without the fix the handler waits for its own lock: a hang
def test_a_signal_during_a_log_write_stops_without_waiting_for_the_log(
    restored_handlers: None,
) -> None:
    stopped: list[bool] = []
    signals = StopSignals(lambda: stopped.append(True)).install()
    stderr_logger().info("warming up")  # the stream's write lock exists from here
    lock = WRITE_LOCKS[sys.stderr]
    with lock:  # the main thread is inside a log write when the signal lands
        signal.raise_signal(signal.SIGTERM)
    assert signals.received is signal.SIGTERM
    assert signals.name == "SIGTERM"
    assert stopped == [True]


def test_the_handler_logs_nothing_and_keeps_the_first_signal(restored_handlers: None) -> None:
    signals = StopSignals().install()
    with structlog.testing.capture_logs() as logs:
        signal.raise_signal(signal.SIGINT)
        signal.raise_signal(signal.SIGTERM)
    assert logs == []
    assert signals.received is signal.SIGINT


@pytest.mark.timeout(60)  # without the fix request_stop waits for the event's own lock
def test_the_projector_can_be_asked_to_stop_while_its_event_lock_is_held() -> None:
    projector = Projector([], {}, views=None, poll_interval=0.01)  # type: ignore[arg-type]
    # the main thread inside Event.wait holds its condition
    with projector._stopping._cond:  # type: ignore[attr-defined]
        projector.request_stop()
    beats: list[int] = []
    projector.run_forever(heartbeat=lambda: beats.append(1))
    assert beats == []  # it returned at once, without another supervise
