"""`kino dev`'s health checks: when does a child count as failing?"""

from __future__ import annotations

from concurrent.futures import Executor, Future
from typing import Any

import pytest

from kino.workers.health_checks import HealthCheck, Outcome, healthz_url

HEALTHY = Outcome(None)
TIMED_OUT = Outcome("no answer within 2 s")
NOT_LISTENING = Outcome("unreachable (ConnectError)", listening=False)


class Answers(Executor):
    """Each probe finishes at once with the next scripted outcome."""

    def __init__(self, *outcomes: Outcome) -> None:
        self.outcomes = list(outcomes)

    def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Future[Any]:
        future: Future[Any] = Future()
        future.set_result(self.outcomes.pop(0))
        return future


def run(check: HealthCheck, answers: Answers, until: float) -> None:
    now = check.started_at
    while now <= until:
        check.poll(now, answers)
        now += 0.5


def test_three_failures_in_a_row_after_answering_fail_the_child():
    check = HealthCheck("http://x/healthz", interval=2.0)
    check.restart(0.0)
    run(check, Answers(HEALTHY, TIMED_OUT, TIMED_OUT), until=7.0)
    assert not check.failing()
    run_more = Answers(TIMED_OUT, HEALTHY)
    check.poll(8.0, run_more)
    check.poll(10.0, run_more)  # collects the third failure
    assert check.failing()
    assert check.reason == "no answer within 2 s"


def test_a_port_not_listening_yet_is_excused_during_the_start_up_grace_only():
    check = HealthCheck("http://x/healthz", interval=2.0, grace=10.0)
    check.restart(0.0)
    run(check, Answers(*[NOT_LISTENING] * 5), until=10.0)
    assert not check.failing()
    run(check, Answers(*[NOT_LISTENING] * 4), until=18.0)
    assert check.failing()


def test_a_process_that_listens_but_never_answers_fails_even_while_starting():
    check = HealthCheck("http://x/healthz", interval=2.0, grace=60.0)
    check.restart(0.0)
    run(check, Answers(*[TIMED_OUT] * 5), until=8.5)
    assert check.failing()


@pytest.mark.parametrize(
    ("host", "url"),
    [
        ("127.0.0.1", "http://127.0.0.1:8000/healthz"),
        ("0.0.0.0", "http://127.0.0.1:8000/healthz"),
        ("::", "http://[::1]:8000/healthz"),
        ("localhost", "http://localhost:8000/healthz"),
    ],
)
def test_the_probe_url_reaches_wildcard_addresses_on_the_loopback(host: str, url: str):
    assert healthz_url(host, 8000) == url
