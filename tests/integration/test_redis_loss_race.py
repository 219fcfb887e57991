"""Redis came back empty and new events arrived before the projector looked: the loss is not
hidden by them. The views refuse to write into the empty Redis (their epoch marker is gone), so
the projector replays everything, and earlier sessions and chat history come back."""

from __future__ import annotations

import asyncio

import httpx

from kino.projections.redis_view import RedisDataLostError, RedisView
from tests.integration.accounts_helpers import ME, register
from tests.integration.conftest import gql
from tests.integration.live_helpers import HISTORY, SEND, api_server, owner_and_stream
from tests.integration.test_chat_replay import in_sessions_view, until_equal, wipe


def handled_an_event(runner) -> bool:
    """Since the wipe, the runner stopped on an event (refused it) or recorded one."""
    if runner.runner is None or runner.runner.is_interrupted.is_set():
        return True
    return runner.view.max_tracking_id(runner.app_name) is not None


async def test_events_right_after_redis_lost_everything_do_not_hide_the_loss(
    settings, endpoints, projector
):
    sessions = next(r for r in projector.runners if r.spec.name == "sessions")
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        _, created = await owner_and_stream(http)
        stream_id = created["stream"]["id"]
        fan = await register(http)
        for body in ("one", "two"):
            await gql(http, SEND, {"s": stream_id, "b": body}, token=fan["accessToken"])

        async def history():
            return [m["body"] for m in (await gql(http, HISTORY, {"s": stream_id}))["chatMessages"]]

        async def me():
            return (await gql(http, ME, token=fan["accessToken"]))["me"]

        await until_equal(history, ["one", "two"])
        fan_before = await me()
        assert fan_before["handle"] == fan["user"]["handle"]

        wipe(endpoints.redis_url, settings.redis_namespace)
        # A sign-up right away: its session event reaches the sessions view before the
        # projector's supervisor has looked at Redis (the sign-up waits for its session).
        signing_up = asyncio.create_task(register(http))
        while not handled_an_event(sessions):
            await asyncio.sleep(0.02)
        assert isinstance(sessions.view, RedisView)
        assert sessions.view.needs_replay("accounts") or sessions.runner.is_interrupted.is_set()

        async def supervise() -> None:  # what the projector's supervisor does every poll
            while True:
                for runner in projector.runners:
                    await asyncio.to_thread(runner.check)
                await asyncio.sleep(0.1)

        supervisor = asyncio.create_task(supervise())
        try:
            await until_equal(me, fan_before)
            await until_equal(history, ["one", "two"])
            while not await in_sessions_view(settings, endpoints, fan["accessToken"]):
                await asyncio.sleep(0.05)
            assert (await signing_up)["user"]["handle"]
        finally:
            supervisor.cancel()


def test_a_view_refuses_to_write_into_a_redis_that_lost_its_keys(redis_client, redis_namespace):
    from eventsourcing.persistence import Tracking

    view = RedisView(redis_client, f"{redis_namespace}:epochtest_g1")
    view.publish_if_first()
    view.apply(Tracking("accounts", 1), [("SET", view.key("a"), "1")])
    assert not view.needs_replay("accounts")
    view.drop()  # what a Redis restarted without persistence looks like to this view

    assert view.needs_replay("accounts")
    try:
        view.apply(Tracking("accounts", 2), [("SET", view.key("b"), "2")])
    except RedisDataLostError:
        pass
    else:
        raise AssertionError("the write into the emptied Redis was accepted")
    assert redis_client.get(view.key("b")) is None
    assert view.max_tracking_id("accounts") is None

    # Back in time (an older snapshot): the position is behind what this view wrote.
    fresh = RedisView(redis_client, f"{redis_namespace}:epochtest_g1")
    fresh.publish_if_first()
    fresh.apply(Tracking("accounts", 5), [])
    redis_client.set(fresh.tracking_key("accounts"), 3)
    assert fresh.needs_replay("accounts")
    try:
        fresh.apply(Tracking("accounts", 6), [])
    except RedisDataLostError:
        pass
    else:
        raise AssertionError("a write after Redis went back in time was accepted")
    fresh.drop()
