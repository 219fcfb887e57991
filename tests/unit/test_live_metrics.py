"""Per-session live metrics leave with their session (bounded series)."""

from __future__ import annotations

from kino.infrastructure import metrics


def series(session: str) -> set[str]:
    return {
        sample.labels["measure"]
        for family in metrics.LIVE_SESSION.collect()
        for sample in family.samples
        if sample.labels.get("stream") == session
    }


def test_an_ended_session_leaves_no_series():
    metrics.live_measure("s-test-1", "input_bits_per_second", 2_500_000)
    metrics.LIVE_SESSION.labels("s-test-1", "rungs").set(3)
    metrics.live_measure("s-test-2", "fps", 30)
    assert series("s-test-1") == {"input_bits_per_second", "rungs"}
    metrics.forget_live_session("s-test-1")
    metrics.forget_live_session("never-ran")  # nothing to drop: no error
    assert series("s-test-1") == set()
    assert series("s-test-2") == {"fps"}
