"""The chaos campaign's checker (bench/chaos/invariants.py) reports what it is fed: a lost
acknowledged write, a write stored twice, a subscriber's missing or out-of-order message."""

from __future__ import annotations

import asyncio
from unittest.mock import AsyncMock, patch

import httpx
import pytest

from bench.chaos.checks import refusals
from bench.chaos.client import Refused, gql
from bench.chaos.invariants import StoredWrites, compare_order, subscriber_check, write_counts
from bench.chaos.losses import missing_runs
from bench.chaos.record import Record
from bench.chaos.subscribers import Subscriber


def recorded(kind: str, count: int) -> tuple[Record, StoredWrites]:
    record, store = Record(run="abc123"), StoredWrites()
    for number in range(count):
        token = record.token(kind)
        record.ack(kind, f"id-{number}", token)
        store.add(kind, f"id-{number}", [f"{token} says hi"], record.run)
    return record, store


def counts_of(record: Record, store: StoredWrites, kind: str) -> tuple[int, int, int]:
    (count,) = [c for c in write_counts(record, store) if c.kind == kind]
    return count.acknowledged, count.lost, count.duplicated


def test_every_acknowledged_write_stored_once_passes() -> None:
    record, store = recorded("chat", 5)

    assert counts_of(record, store, "chat") == (5, 0, 0)


def test_an_acknowledged_write_missing_from_the_event_store_is_lost() -> None:
    record, _ = recorded("chat", 5)
    _, store = recorded("chat", 0)
    for ack in record.of("chat")[:2] + record.of("chat")[3:]:  # the third event is gone
        store.add("chat", ack.id, [ack.token], record.run)

    assert counts_of(record, store, "chat") == (5, 1, 0)


def test_a_second_aggregate_with_the_same_token_is_a_duplicate() -> None:
    record, store = recorded("comment", 3)
    first = record.of("comment")[0]
    store.add("comment", "another-id", [first.token], record.run)

    assert counts_of(record, store, "comment") == (3, 0, 1)


def test_a_stored_write_no_command_asked_for_is_reported() -> None:
    record, store = recorded("user", 2)
    store.add("user", "stray", [f"x{record.run}u99"], record.run)

    (count,) = [c for c in write_counts(record, store) if c.kind == "user"]
    assert count.unknown == 1


def test_a_subscriber_missing_a_message_or_getting_one_late_is_reported() -> None:
    order = ["a", "b", "c", "d"]

    assert subscriber_check(order, ["b", "c", "d"], 0).lost == 0  # started at b: fine
    assert subscriber_check(order, ["a", "c", "d"], 0).lost == 1
    assert subscriber_check(order, ["a", "c", "b", "d"], 0).reordered
    assert compare_order(order, ["a", "b", "b", "c", "d"]).duplicated == 1


def test_the_runs_a_subscriber_missed_are_located_in_the_store_order() -> None:
    order = ["a", "b", "c", "d", "e", "f", "g"]

    assert missing_runs(order, ["b", "e", "g"]) == [(2, 3), (5, 5)]
    assert missing_runs(order, ["b", "c", "d", "e", "f", "g"]) == []


def test_a_history_that_never_answers_is_logged_and_counted() -> None:
    subscriber = Subscriber(0, ["http://127.0.0.1:9"], "stream")
    subscriber.received = ["a"]

    async def read_forever_refused() -> None:
        async with httpx.AsyncClient(timeout=0.2) as http:
            await subscriber.recover(http)

    with (
        patch("bench.chaos.subscribers.HISTORY_SECONDS", 0.5),
        patch("asyncio.sleep", new=AsyncMock()),
    ):
        asyncio.run(read_forever_refused())

    assert subscriber.history_failures == 1
    assert "history never answered" in subscriber.log[-1]


def test_a_write_refused_because_its_session_ended_fails_the_campaign() -> None:
    """The writers' tokens outlive a 10-minute campaign: an UNAUTHENTICATED refusal means a
    fault signed someone out. Refusals of other kinds are reported, not failed."""
    record = Record(run="abc123")
    record.refuse("chat", "no answer (ConnectError)")
    record.refuse("chat", "INTERNAL")
    record.refuse("comment", "no answer (ConnectError)")
    passing = refusals(record, 600)
    assert passing.ok and passing.result == "no answer (ConnectError) 2, INTERNAL 1"
    record.refuse("comment", "UNAUTHENTICATED")
    assert not refusals(record, 600).ok
    assert refusals(record, 3600).ok  # a campaign longer than a token's life: expected
    assert record.refused == {"user": 0, "video": 0, "comment": 2, "chat": 2}


async def test_a_refusal_names_the_error_code_or_that_nothing_answered() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/down/graphql":
            raise httpx.ConnectError("refused", request=request)
        errors = [{"message": "This session has ended", "extensions": {"code": "UNAUTHENTICATED"}}]
        return httpx.Response(200, json={"data": None, "errors": errors})

    async with httpx.AsyncClient(transport=httpx.MockTransport(answer)) as http:
        for url, reason in (
            ("http://api", "UNAUTHENTICATED"),
            ("http://api/down", "no answer (ConnectError)"),
        ):
            with pytest.raises(Refused) as refused:
                await gql(http, url, "mutation { logout }")
            assert refused.value.reason == reason
