"""`kino api`: the GraphQL api under uvicorn."""

from __future__ import annotations

import uvicorn

from kino.infrastructure.probes import nats_answers
from kino.infrastructure.settings import Settings


def run_api(settings: Settings) -> None:
    from kino.bootstrap import build_services, resolve_endpoints
    from kino.graphql.app import create_app

    endpoints = resolve_endpoints(settings)
    services = build_services(settings, endpoints)
    app = create_app(services, extra_readiness=[("nats", lambda: nats_answers(endpoints.nats_url))])
    uvicorn.run(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
        timeout_graceful_shutdown=10,
        ws_max_size=64 * 1024,
        # Chat frames are small and go to thousands of sockets; measured with bench/chat.py,
        # per-message deflate cost 73 instead of 45 us CPU and 82 instead of 40 KiB per
        # subscriber.
        ws_per_message_deflate=False,
    )
