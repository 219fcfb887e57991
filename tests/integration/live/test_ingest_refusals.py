"""Publishes the ingest refuses: wrong, rotated and ended keys, a second publisher of a
stream already live (on this ingest or another one). Refused: the encoder is disconnected,
the stream's status does not change, nothing is stored."""

from __future__ import annotations

import asyncio
from uuid import UUID

from kino.domain.live import live_prefix
from tests.integration.conftest import gql
from tests.integration.live.ingest_helpers import (
    ingest_running,
    ingest_settings,
    live_events,
    publish,
    refused,
    rtmp_url,
    stop,
    wait_status,
)
from tests.integration.live_helpers import owner_and_stream

ROTATE = "mutation($id: ID!) { rotateStreamKey(id: $id) { streamKey } }"
END = "mutation($id: ID!) { endLiveStream(id: $id) { status } }"


async def test_wrong_rotated_and_ended_keys_are_refused(http, settings, endpoints):
    own = ingest_settings(settings)
    owner, created = await owner_and_stream(http)
    stream_id = created["stream"]["id"]
    token = owner["accessToken"]
    await gql(http, ROTATE, {"id": stream_id}, token=token)  # the created key is now rotated
    async with ingest_running(own, endpoints) as ingest:
        for key in ("live_nope", created["streamKey"], "x" * 300):
            errors = await refused(await publish(rtmp_url(own, key), 5))
            assert b"Input/output error" in errors or errors
        other, ended = await owner_and_stream(http)
        await gql(http, END, {"id": ended["stream"]["id"]}, token=other["accessToken"])
        await refused(await publish(rtmp_url(own, ended["streamKey"]), 5))
        for sid in (stream_id, ended["stream"]["id"]):
            assert "LiveStream.PublishAccepted" not in await live_events(ingest, sid)
            stored = await asyncio.to_thread(ingest.parts.store.list, live_prefix(UUID(sid)))
            assert stored == []
        assert list(ingest.record_dir.glob("*")) == []  # nginx recorded nothing either
    stream = await gql(
        http, "query($id: ID!) { liveStream(id: $id) { status } }", {"id": stream_id}
    )
    assert stream["liveStream"]["status"] == "OFFLINE"


async def test_a_second_publisher_is_refused_on_this_and_another_ingest(http, settings, endpoints):
    first, second = ingest_settings(settings), ingest_settings(settings)
    _, created = await owner_and_stream(http)
    key = created["streamKey"]
    async with ingest_running(first, endpoints), ingest_running(second, endpoints) as other:
        publisher = await publish(rtmp_url(first, key), 20)
        try:
            await wait_status(http, created["stream"]["id"], "LIVE")
            await refused(await publish(rtmp_url(first, key), 5))
            await refused(await publish(rtmp_url(second, key), 5))
            assert publisher.returncode is None  # the first one goes on
            history = await live_events(other, created["stream"]["id"])
            assert history.count("LiveStream.PublishAccepted") == 1
        finally:
            await stop(publisher)
