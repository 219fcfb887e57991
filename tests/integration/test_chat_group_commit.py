"""Concurrent sends share saves, and every sender learns its own outcome."""

from __future__ import annotations

import asyncio

import httpx

from tests.integration.accounts_helpers import register
from tests.integration.conftest import GraphQLError, gql
from tests.integration.live_helpers import HISTORY, SEND, api_server, owner_and_stream


async def test_concurrent_sends_are_batched_and_each_caller_gets_its_own_result(
    settings, endpoints, projector
):
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        _, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        users = await asyncio.gather(*(register(http) for _ in range(10)))
        commit = api.container.chat.commit
        before_batches, before_requests = commit.batches, commit.requests

        async def send(index: int) -> dict:
            body = "bad\x00" if index % 7 == 3 else f"hello {index}"
            user = users[index % len(users)]
            variables = {"s": stream_id, "b": body}
            try:
                data = await gql(http, SEND, variables, token=user["accessToken"])
            except GraphQLError as error:
                return {"index": index, "code": error.code}
            return {"index": index, **data["sendChatMessage"]}

        outcomes = await asyncio.gather(*(send(i) for i in range(40)))
        for outcome in outcomes:
            index = outcome["index"]
            if index % 7 == 3:
                assert outcome["code"] == "BAD_USER_INPUT"
            else:
                assert outcome["body"] == f"hello {index}"
                assert outcome["author"]["id"] == users[index % len(users)]["user"]["id"]
        accepted = [o for o in outcomes if "id" in o]
        assert len({o["id"] for o in accepted}) == len(accepted) == 34
        # Refused bodies never reach the batch; the accepted ones shared fewer saves.
        assert commit.requests - before_requests == 34
        assert commit.batches - before_batches < 34
        history = (await gql(http, HISTORY, {"s": stream_id, "n": 100}))["chatMessages"]
        assert sorted(m["id"] for m in history) == sorted(o["id"] for o in accepted)
