"""The Litestar application: GraphQL over HTTP and websockets, health, readiness, metrics."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Any

import structlog
from cross_web import HTTPException
from litestar import Litestar, MediaType, Request, Response
from litestar.config.cors import CORSConfig
from litestar.types import Scope
from strawberry.exceptions import ConnectionRejectionError
from strawberry.litestar import make_graphql_controller
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types.unset import UnsetType

from kino.domain.errors import KinoError
from kino.graphql.context import KinoContext, Services
from kino.graphql.health import health_routes
from kino.graphql.media import media_routes
from kino.graphql.metrics import http_metrics_middleware
from kino.graphql.schema import build_schema
from kino.graphql.transport import SharedTransportWSHandler
from kino.graphql.web import web_routes
from kino.infrastructure.watchdog import Watchdog, WatchedLoop

log = structlog.get_logger(__name__)

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"


def _prefers_graphql_response_json(accept: str) -> bool:
    """True when the client asks for the GraphQL-over-HTTP media type before plain JSON."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media == GRAPHQL_RESPONSE_JSON:
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False


def make_controller(services: Services) -> type[Any]:
    settings = services.settings

    async def context_getter(scope: Scope) -> KinoContext:
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization")
        client = scope.get("client") or ("unknown", 0)
        return KinoContext(
            services=services,
            client_address=str(client[0]),
            authorization=authorization.decode("latin-1") if authorization else None,
            user_agent=headers.get(b"user-agent", b"").decode("latin-1")[:200],
        )

    base = make_graphql_controller(
        build_schema(settings),
        path="/graphql",
        graphql_ide="graphiql" if settings.graphql_ide else None,
        context_getter=context_getter,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=[settings.public_origin],
        max_subscriptions_per_connection=20,
    )

    class KinoGraphQLController(base):  # type: ignore[valid-type,misc]
        graphql_transport_ws_handler_class = SharedTransportWSHandler

        async def on_ws_connect(self, context: KinoContext) -> UnsetType:
            """Authenticate ``connection_init``'s Authorization; anonymous is allowed."""
            try:
                await context.viewer()
            except KinoError as error:
                raise ConnectionRejectionError(
                    {"code": error.code, "message": error.message}
                ) from None
            return UnsetType()

        async def execute_single(self, **kwargs: Any) -> Any:
            """GraphQL over HTTP: a mutation sent with GET is 405 Method Not Allowed."""
            try:
                return await super().execute_single(**kwargs)
            except HTTPException as error:
                if isinstance(error.__cause__, InvalidOperationTypeError):
                    raise HTTPException(405, error.reason) from error
                raise

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            response: Response[Any] = await super().execute_request(request, context, root_value)
            response = _request_error_as_json(response)
            if _prefers_graphql_response_json(request.headers.get("accept", "")):
                return _as_graphql_response_json(response)
            return response

    return KinoGraphQLController


def _request_error_as_json(response: Response[Any]) -> Response[Any]:
    """Strawberry answers some request errors as plain text; answer GraphQL JSON instead."""
    if (response.status_code or 200) < 400 or response.media_type != MediaType.TEXT:
        return response
    message = str(response.content or "Bad request")
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_USER_INPUT"}}]}
    return Response(
        body,
        status_code=response.status_code,
        media_type=MediaType.JSON,
        headers=dict(response.headers),
    )


def _as_graphql_response_json(response: Response[Any]) -> Response[Any]:
    """GraphQL over HTTP: a request error (parse, validation: no ``data``) is a 4xx."""
    if response.media_type != MediaType.JSON or not isinstance(response.content, bytes):
        return response
    body = json.loads(response.content)
    if isinstance(body, dict) and _is_request_error(body) and response.status_code == 200:
        body.pop("data", None)
        response.content = json.dumps(body).encode()
        response.status_code = 400
    response.media_type = GRAPHQL_RESPONSE_JSON
    return response


def _is_request_error(body: dict[str, Any]) -> bool:
    """No data and no error tied to a field path: the request never executed."""
    errors = body.get("errors") or []
    return body.get("data") is None and bool(errors) and not any(e.get("path") for e in errors)


def create_app(
    services: Services,
    *,
    extra_readiness: Sequence[tuple[str, Callable[[], Any]]] = (),
    watchdog: Watchdog | None = None,
) -> Litestar:
    settings = services.settings
    watched = WatchedLoop(watchdog or Watchdog("event loop"), debug_hooks=settings.debug_hooks)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        await services.open()
        await watched.start()
        try:
            yield
        finally:
            await watched.stop()
            await asyncio.shield(services.close())

    return Litestar(
        route_handlers=[
            make_controller(services),
            *health_routes(services, extra_readiness, watched.watchdog),
            *web_routes(),
            *media_routes(services),
        ],
        lifespan=[lifespan],
        cors_config=CORSConfig(
            allow_origins=[settings.public_origin],
            allow_credentials=False,
            allow_headers=["Authorization", "Content-Type"],
        ),
        debug=False,
        logging_config=None,
        middleware=[http_metrics_middleware],
    )
