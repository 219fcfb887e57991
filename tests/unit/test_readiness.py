"""What /readyz answers: every probe's outcome, what fails, and the failing projections."""

from __future__ import annotations

from kino.infrastructure.projection_health import UnhealthyProjectionsError
from kino.infrastructure.readiness import Readiness, ReadinessReport


async def answers() -> None:
    return None


async def refuses() -> None:
    raise ConnectionError("connection refused")


async def projections_fail() -> None:
    raise UnhealthyProjectionsError({"videos": {"failing_since": "2026-01-01T00:00:00+00:00"}})


async def test_ready_when_every_probe_answers():
    report = await Readiness({"postgres": answers, "redis": answers}).check()
    assert report == ReadinessReport(
        True, {"status": "ok", "checks": {"postgres": "ok", "redis": "ok"}}
    )


async def test_unready_naming_what_fails_and_the_failing_projections():
    probes = {"postgres": answers, "redis": refuses, "projections": projections_fail}
    report = await Readiness(probes).check()
    assert not report.ready
    assert report.body == {
        "status": "unavailable",
        "checks": {"postgres": "ok", "redis": "failing", "projections": "failing"},
        "failing": ["projections", "redis"],
        "projections": {"videos": {"failing_since": "2026-01-01T00:00:00+00:00"}},
    }
