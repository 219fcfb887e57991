"""Long lists are completed over several event-loop turns (others run in between), with the
same result."""

from __future__ import annotations

import asyncio

import strawberry

from kino.graphql.interleave import ITEMS_PER_TURN, interleave_list_items


@strawberry.type
class Item:
    number: int


@strawberry.type
class Edge:
    cursor: str
    node: Item


@strawberry.type
class Query:
    @strawberry.field
    def edges(self, count: int) -> list[Edge]:
        return [Edge(cursor=str(i), node=Item(number=i)) for i in range(count)]


async def turns_taken(schema: strawberry.Schema, count: int) -> tuple[int, object]:
    turns = 0
    running = True

    async def ticker() -> None:
        nonlocal turns
        while running:
            turns += 1
            await asyncio.sleep(0)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    started = turns
    result = await schema.execute(f"{{ edges(count: {count}) {{ cursor node {{ number }} }} }}")
    running = False
    await ticking
    return turns - started, result.data


async def test_list_items_are_completed_across_loop_turns():
    plain = strawberry.Schema(query=Query)
    interleaved = strawberry.Schema(query=Query)
    interleave_list_items(interleaved._schema)
    plain_turns, plain_data = await turns_taken(plain, 100)
    turns, data = await turns_taken(interleaved, 100)
    assert data == plain_data
    assert data["edges"][99] == {"cursor": "99", "node": {"number": 99}}
    assert plain_turns == 0  # without it the whole list is completed in one go
    assert turns >= 100 // ITEMS_PER_TURN - 1
