"""graphql-transport-ws with shared execution for public subscriptions (see fanout).

Every message is checked before Strawberry handles it (``requests.message_problem``): a
malformed one closes the socket with 4400 and a reason that never repeats what was sent."""

from __future__ import annotations

import asyncio
import contextlib
import json
from contextlib import suppress
from typing import Any

from graphql import GraphQLError
from litestar.exceptions import WebSocketDisconnect
from strawberry.litestar.controller import LitestarWebSocketAdapter
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import (
    BaseGraphQLTransportWSHandler,
    Operation,
)
from strawberry.subscriptions.protocols.graphql_transport_ws.types import ErrorMessage

from kino.graphql.context import KinoContext
from kino.graphql.fanout import RunMarks, is_shared, operation_key
from kino.graphql.operations import watched_stream
from kino.graphql.requests import message_problem

TOO_SLOW_CLOSE_CODE = 4499
_CLOSING: set[asyncio.Task[None]] = set()


class SharedTransportWSHandler(BaseGraphQLTransportWSHandler[KinoContext, None]):
    async def handle_message(self, message: Any) -> None:
        problem = message_problem(message)
        if problem is not None:
            await self.handle_invalid_message(problem)
            return
        await super().handle_message(message)

    async def handle_subscribe(self, message: Any) -> None:
        if self.connection_acknowledged and message["id"] in self.operations:
            await self.websocket.close(4409, "Subscriber for this id already exists")
            return
        limit = self.max_subscriptions_per_connection
        if self.connection_acknowledged and limit is not None and len(self.operations) >= limit:
            error = GraphQLError(
                f"This connection already runs {limit} operations, the most allowed: "
                "complete one first, or open another connection.",
                extensions={"code": "RATE_LIMITED"},
            )
            await self.send_message(
                ErrorMessage(id=message["id"], type="error", payload=[error.formatted])
            )
            return
        await super().handle_subscribe(message)

    async def run_operation(self, operation: Operation[KinoContext, None]) -> None:
        container = self.context.container
        stream = watched_stream(operation.query, operation.variables, operation.operation_name)
        viewing = (
            container.realtime.viewers.watching(stream) if stream else contextlib.nullcontext()
        )
        with container.resources.metrics.subscription():
            async with viewing:  # each subscriber of a stream is one viewer of it
                if is_shared(operation.query, operation.operation_name):
                    await self._run_shared(operation)
                else:
                    await super().run_operation(operation)

    async def _run_shared(self, operation: Operation[KinoContext, None]) -> None:
        context = self.context
        key = operation_key(operation.query, operation.variables, operation.operation_name)

        async def make_source(marks: RunMarks) -> Any:
            # Shared results never depend on the viewer: they run with an anonymous context.
            anonymous = KinoContext(
                container=context.container, fanout=context.fanout, run_marks=marks
            )
            return await self.schema.stream(
                operation.query,
                variable_values=operation.variables,
                context_value=anonymous,
                root_value=None,
                operation_name=operation.operation_name,
            )

        task = asyncio.current_task()
        async with context.fanout.attach(key, make_source, lambda: self._drop(task)) as sink:
            async for position, (kind, text, _mark) in sink.positions():
                if operation.completed:
                    return
                if kind == "next":
                    if not await self._send_text(sink.log.message(position, operation.id)):
                        return
                elif kind == "error":
                    await operation.send_operation_message(
                        {"id": operation.id, "type": "error", "payload": json.loads(text)}
                    )
                    return
        await operation.send_operation_message({"id": operation.id, "type": "complete"})

    async def _send_text(self, text: str) -> bool:
        """Send a pre-serialised frame; False once the client has gone."""
        if not isinstance(self.websocket, LitestarWebSocketAdapter):
            raise TypeError("shared subscriptions are served by Litestar's websocket adapter")
        try:
            await self.websocket.ws.send_data(data=text)
        except WebSocketDisconnect:
            return False
        return True

    def _drop(self, task: asyncio.Task[Any] | None) -> None:
        """The subscriber stopped reading: end its connection without waiting for it."""
        if task is not None:
            task.cancel()

        async def close() -> None:
            with suppress(Exception):
                await asyncio.wait_for(
                    self.websocket.close(TOO_SLOW_CLOSE_CODE, "Too slow: reconnect"), 5
                )

        closing = asyncio.get_running_loop().create_task(close())
        _CLOSING.add(closing)
        closing.add_done_callback(_CLOSING.discard)
