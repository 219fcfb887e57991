"""/readyz: does every dependency answer, each within ``PROBE_TIMEOUT``, and is no projection
failing or left without a projector (``check_projections`` says which)? The api's container
holds one ``Readiness``, made of the probes the composition root gives it."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from kino.infrastructure.probes import PROBE_TIMEOUT
from kino.infrastructure.projection_health import UnhealthyProjectionsError

Probe = Callable[[], Awaitable[object]]


@dataclass(frozen=True)
class ReadinessReport:
    ready: bool
    body: dict[str, Any]  # what /readyz answers: each check, what fails, failing projections


class Readiness:
    def __init__(self, probes: Mapping[str, Probe]) -> None:
        self.probes = dict(probes)

    async def check(self) -> ReadinessReport:
        """Every probe at once, each bounded by ``PROBE_TIMEOUT``."""
        results = await asyncio.gather(
            *(asyncio.wait_for(probe(), PROBE_TIMEOUT) for probe in self.probes.values()),
            return_exceptions=True,
        )
        failing = sorted(
            name
            for name, result in zip(self.probes, results, strict=True)
            if isinstance(result, BaseException)
        )
        body: dict[str, Any] = {
            "status": "ok" if not failing else "unavailable",
            "checks": {name: "ok" if name not in failing else "failing" for name in self.probes},
        }
        if failing:
            body["failing"] = failing
        for result in results:
            if isinstance(result, UnhealthyProjectionsError):
                body["projections"] = result.problems
        return ReadinessReport(not failing, body)
