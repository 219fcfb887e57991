"""GraphQL over HTTP and websockets: Strawberry's Litestar controller with Kino's rules.

Requests are read strictly (see ``kino.graphql.requests``): a malformed body is a 4xx with a
message, a subscription over HTTP is a 400, a mutation over GET a 405. Parse and validation
errors are 400 for clients that ask for ``application/graphql-response+json``.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from cross_web import AsyncHTTPRequestAdapter, HTTPException
from litestar import MediaType, Request, Response
from litestar.exceptions import ClientException
from litestar.types import Scope
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.http import GraphQLRequestData
from strawberry.http.parse_content_type import parse_content_type
from strawberry.litestar import make_graphql_controller
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.subscriptions import GRAPHQL_TRANSPORT_WS_PROTOCOL
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UnsetType

from kino.bootstrap.container import Container
from kino.domain.errors import KinoError
from kino.graphql.context import KinoContext
from kino.graphql.fanout import SharedSubscriptions
from kino.graphql.requests import MalformedRequestError, decode_json, http_request_data
from kino.graphql.response_cache import ResponseCache
from kino.graphql.schema import build_schema
from kino.graphql.transport import SharedTransportWSHandler

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
MAX_BODY_BYTES = 1024 * 1024  # an operation is at most 2,000 tokens; variables are small
CONNECTION_INIT_TIMEOUT = timedelta(seconds=10)
MAX_OPERATIONS_PER_CONNECTION = 20
TOO_LARGE = f"The request body is larger than {MAX_BODY_BYTES // 1024} KB, the most accepted."
NOT_OVER_HTTP = (
    "Subscriptions are served over a websocket at /graphql (graphql-transport-ws), not over HTTP."
)


def make_controller(container: Container, fanout: SharedSubscriptions) -> type[Any]:
    """The GraphQL controller; ``fanout`` shares subscription executions (close it at
    shutdown, before the container)."""
    settings = container.settings
    resources = container.resources
    cache = ResponseCache(resources.snapshot, resources.metrics)

    async def context_getter(scope: Scope) -> KinoContext:
        headers = dict(scope.get("headers") or [])
        authorization = headers.get(b"authorization")
        client = scope.get("client") or ("unknown", 0)
        return KinoContext(
            container=container,
            fanout=fanout,
            client_address=str(client[0]),
            authorization=authorization.decode("latin-1") if authorization else None,
            user_agent=headers.get(b"user-agent", b"").decode("latin-1")[:200],
        )

    base = make_graphql_controller(
        build_schema(settings, resources.metrics),
        path="/graphql",
        graphql_ide="graphiql" if settings.graphql_ide else None,
        context_getter=context_getter,
        subscription_protocols=(GRAPHQL_TRANSPORT_WS_PROTOCOL,),
        allowed_origins=[settings.public_origin],
        max_subscriptions_per_connection=MAX_OPERATIONS_PER_CONNECTION,
        connection_init_wait_timeout=CONNECTION_INIT_TIMEOUT,
    )

    class KinoGraphQLController(base):  # type: ignore[valid-type,misc]  # a class made at run time
        graphql_transport_ws_handler_class = SharedTransportWSHandler
        request_max_body_size = MAX_BODY_BYTES

        async def on_ws_connect(self, context: KinoContext) -> UnsetType:
            """Authenticate ``connection_init``'s Authorization; anonymous is allowed."""
            try:
                await context.viewer()
            except KinoError as error:
                raise ConnectionRejectionError(
                    {"code": error.code, "message": error.message}
                ) from None
            return UnsetType()

        def decode_json(self, data: str | bytes) -> object:
            """Websocket frames and HTTP bodies (a JSONDecodeError: Strawberry closes 4400)."""
            return decode_json(data)

        def parse_json(self, data: str | bytes) -> Any:
            try:
                return decode_json(data)
            except MalformedRequestError as error:
                raise HTTPException(400, error.msg) from None

        async def parse_http_body(self, request: AsyncHTTPRequestAdapter) -> GraphQLRequestData:
            if request.method == "GET":
                data = self.parse_query_params(request.query_params)
            else:
                content_type, _ = parse_content_type(request.content_type or "")
                if content_type != "application/json":
                    raise HTTPException(
                        415, "Send the operation as JSON, with Content-Type: application/json."
                    )
                try:
                    body = await request.get_body()
                except ClientException as error:  # larger than request_max_body_size
                    raise HTTPException(error.status_code, TOO_LARGE) from None
                data = self.parse_json(body)
            try:
                return http_request_data(data)
            except MalformedRequestError as error:
                raise HTTPException(400, error.msg) from None

        async def execute_single(
            self,
            *,
            request: Request[Any, Any, Any],
            request_adapter: AsyncHTTPRequestAdapter,
            sub_response: Response[Any],
            context: KinoContext,
            root_value: Any,
            request_data: GraphQLRequestData,
        ) -> ExecutionResult:
            """Queries over GET or POST, mutations over POST (else 405), no subscriptions."""
            method = request_adapter.method
            allowed = OperationType.from_http(method) - {OperationType.SUBSCRIPTION}

            async def execute() -> ExecutionResult:
                result: ExecutionResult = await self.schema.execute(
                    request_data.query,
                    root_value=root_value,
                    variable_values=request_data.variables,
                    context_value=context,
                    operation_name=request_data.operation_name,
                    allowed_operation_types=allowed,
                    operation_extensions=request_data.extensions,
                )
                return result

            try:
                if not _may_use_cache(request, context) or request_data.query is None:
                    return await execute()
                return await cache.answer(
                    request_data.query,
                    request_data.operation_name,
                    request_data.variables,
                    execute,
                )
            except CannotGetOperationTypeError as error:
                raise HTTPException(400, error.as_http_error_reason()) from None
            except InvalidOperationTypeError as error:
                if error.operation_type == OperationType.SUBSCRIPTION:
                    raise HTTPException(400, NOT_OVER_HTTP) from None
                raise HTTPException(405, error.as_http_error_reason(method)) from None
            except MissingQueryError:
                raise HTTPException(400, "No GraphQL query found in the request.") from None

        async def execute_request(
            self, request: Request[Any, Any, Any], context: Any, root_value: Any
        ) -> Response[Any]:
            response: Response[Any] = await super().execute_request(request, context, root_value)
            response = _request_error_as_json(response)
            if _prefers_graphql_response_json(request.headers.get("accept", "")):
                return _as_graphql_response_json(response)
            return response

    return KinoGraphQLController


def _may_use_cache(request: Request[Any, Any, Any], context: KinoContext) -> bool:
    """Anonymous requests that do not ask for a fresh answer (``Cache-Control: no-cache``)."""
    asked = request.headers.get("cache-control", "").lower()
    return context.authorization is None and "no-cache" not in asked and "no-store" not in asked


def _prefers_graphql_response_json(accept: str) -> bool:
    """True when the client asks for the GraphQL-over-HTTP media type before plain JSON."""
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media == GRAPHQL_RESPONSE_JSON:
            return True
        if media in ("application/json", "*/*", "application/*"):
            return False
    return False


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
