"""The api process: one Litestar app serving GraphQL (``kino.graphql``) and plain HTTP routes
(``kino.http``) from one container, under uvicorn (``kino api``)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from litestar import Litestar
from litestar.config.cors import CORSConfig
from litestar.di import Provide

from kino.bootstrap import Container, Overrides, build_container, resolve_endpoints
from kino.graphql.app import make_controller
from kino.graphql.fanout import SharedSubscriptions
from kino.http.cors import cors_middleware
from kino.http.guards import request_guard_middleware
from kino.http.health import HealthController
from kino.http.live_media import live_media_routes
from kino.http.media import MediaController
from kino.http.observability import http_metrics
from kino.http.tus import TusController
from kino.http.uploads import UploadController
from kino.http.web.assets import WebAssets
from kino.http.web.oembed import OEmbedController
from kino.http.web.pages import PagesController
from kino.http.web.session import WebSessionController
from kino.http.web.static import security_headers_middleware, static_routes
from kino.http.web.templating import template_config
from kino.infrastructure.settings import Settings
from kino.infrastructure.watchdog import Watchdog, WatchedLoop


def create_app(container: Container, *, watchdog: Watchdog | None = None) -> Litestar:
    settings = container.settings
    watched = WatchedLoop(watchdog or Watchdog("event loop"), debug_hooks=settings.debug_hooks)
    fanout = SharedSubscriptions()
    assets = WebAssets(settings.public_url, reload=settings.environment == "development")

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await container.open()
        await watched.start()
        # What start-up built lives as long as the process: keep it out of the collector's
        # full passes, which otherwise stop the event loop for ~100 ms on a large heap.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await watched.stop()
            await fanout.close()  # before the pools its runs read from
            await asyncio.shield(container.close())

    app = Litestar(
        route_handlers=[
            make_controller(container, fanout),
            HealthController,
            MediaController,
            UploadController,
            TusController,
            PagesController,
            OEmbedController,
            WebSessionController,
            *static_routes(),
            *live_media_routes(),
        ],
        dependencies={
            "container": Provide(lambda: container, use_cache=True, sync_to_thread=False),
            "watchdog": Provide(lambda: watched.watchdog, use_cache=True, sync_to_thread=False),
            "assets": Provide(lambda: assets, use_cache=True, sync_to_thread=False),
        },
        template_config=template_config(),
        lifespan=[lifespan],
        debug=False,
        logging_config=None,
        middleware=[
            # Litestar's CORS for every path but tus uploads (any origin): kino/http/cors.py
            cors_middleware(
                CORSConfig(
                    allow_origins=[settings.public_origin],
                    allow_credentials=False,
                    allow_headers=["Authorization", "Content-Type"],
                )
            ),
            http_metrics(container.resources.metrics),
            request_guard_middleware,
            security_headers_middleware,
        ],
    )
    app.state.fanout = fanout  # tests and benchmarks count its shared executions
    return app


# An idle keep-alive connection stays open longer than its clients keep it: uvicorn's 5 s equals
# httpx's and is below a proxy's 60 s, so a client reusing a connection as the server closes it
# got no answer (a ReadError; a 502 behind nginx). Measured on a loaded api in
# tests/integration/test_chat_two_apis.py; tests/integration/test_keep_alive.py holds it.
KEEP_ALIVE_SECONDS = 75


def run_api(settings: Settings, overrides: Overrides | None = None) -> None:
    """``kino api``: serve until SIGTERM or Ctrl-C."""
    container = build_container(settings, resolve_endpoints(settings), overrides)
    uvicorn.run(
        create_app(container),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        ws_max_size=64 * 1024,
        # Chat frames are small and go to thousands of sockets; measured with bench/chat.py,
        # per-message deflate cost 73 instead of 45 us CPU and 82 instead of 40 KiB per
        # subscriber.
        ws_per_message_deflate=False,
    )
