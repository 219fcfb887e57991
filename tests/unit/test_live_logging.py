"""The ingest keeps its structured logs: its nginx callback app (Litestar) must not replace
the process's log handler with Litestar's own plain-text one on stdout."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import pytest
from litestar.testing import TestClient

from kino.workers.ingest_callbacks import callback_app


class Refusing:
    async def on_publish(self, key: str, client: str, addr: str) -> str | None:
        return None

    async def on_update(self, client: str) -> bool:
        return True

    async def on_publish_done(self, client: str) -> None:
        return None


@pytest.fixture
def ours() -> Iterator[logging.Handler]:
    """A handler of the process's own on the root logger (as configure_logging installs)."""
    root, handler = logging.getLogger(), logging.NullHandler()
    saved = root.handlers[:]
    root.handlers[:] = [handler]
    yield handler
    root.handlers[:] = saved


def test_the_callback_app_leaves_the_ingest_logs_alone(ours):
    with TestClient(callback_app(Refusing())) as client:
        refused = client.post("/on_publish", data={"call": "publish", "name": "live_x"})
        assert refused.status_code == 403
        handlers = logging.getLogger().handlers
        assert ours in handlers
        assert not [h for h in handlers if type(h).__module__.startswith("litestar")], handlers
