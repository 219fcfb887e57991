"""The api's /healthz reports a stalled event loop (503 with the reason) once it can answer."""

from __future__ import annotations

from litestar.testing import AsyncTestClient

from kino.api import create_app
from kino.bootstrap import Overrides, build_container
from kino.infrastructure.passwords import FastPasswords
from kino.infrastructure.watchdog import Health, Watchdog


class JustBlocked(Watchdog):
    """As the loop's watchdog sees it right after a long block."""

    stalled = False

    def health(self) -> Health:
        if self.stalled:
            return Health(ok=False, reason="the event loop has been blocked for 16 s")
        return super().health()


async def test_healthz_is_503_with_the_reason_while_the_loop_is_stalled(settings, endpoints):
    watchdog = JustBlocked("event loop")
    services = build_container(settings, endpoints, Overrides(passwords=FastPasswords()))
    async with AsyncTestClient(app=create_app(services, watchdog=watchdog)) as client:
        assert (await client.get("/healthz")).json() == {"status": "ok"}
        watchdog.stalled = True
        answer = await client.get("/healthz")
        assert answer.status_code == 503
        assert answer.json() == {
            "status": "stalled",
            "reason": "the event loop has been blocked for 16 s",
        }
        assert "kino_loop_lag_seconds" in (await client.get("/metrics")).text
