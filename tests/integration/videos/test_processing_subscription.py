"""`videoProcessing(videoId)` over graphql-transport-ws: the owner follows stages and progress
to READY; others are refused; a finished video answers at once."""

from __future__ import annotations

import httpx

from kino.infrastructure.pubsub import progress_channel
from tests.integration.accounts_helpers import register
from tests.integration.conftest import gql
from tests.integration.live_helpers import Subscriber, api_server, wait_subscribed
from tests.integration.videos.helpers import COMPLETE, create_upload, put_bytes, wait_for_video

PROCESSING = """subscription($id: ID!) { videoProcessing(videoId: $id) {
  stage progress video { id status playbackUrl renditions { name } } } }"""


def subscribers_metric(text: str) -> float:
    line = next(
        line for line in text.splitlines() if line.startswith("kino_websocket_subscribers ")
    )
    return float(line.split()[1])


async def start(http: httpx.AsyncClient, token: str, path) -> str:
    data = path.read_bytes()
    upload = await create_upload(http, token, len(data), filename=path.name)
    # The URL names KINO_PUBLIC_URL's origin; send it to the server under test.
    path_and_query = httpx.URL(upload["uploadUrl"]).raw_path.decode()
    assert (await put_bytes(http, {**upload, "uploadUrl": path_and_query}, data)).status_code == 200
    return upload["video"]["id"]


async def test_the_owner_follows_processing_to_ready(
    settings, endpoints, projector, transcoder, clips
):
    async with api_server(settings, endpoints) as api, httpx.AsyncClient(base_url=api.url) as http:
        owner = await register(http)
        token = owner["accessToken"]
        video_id = await start(http, token, clips["480p"])

        stranger = await register(http)
        refused = await Subscriber.connect(api.url, stranger["accessToken"])
        await refused.subscribe(PROCESSING, {"id": video_id})
        answer = await refused.receive()
        assert answer["type"] == "next"
        assert answer["payload"]["errors"][0]["extensions"]["code"] == "FORBIDDEN"
        anonymous = await Subscriber.connect(api.url)
        await anonymous.subscribe(PROCESSING, {"id": video_id})
        assert (await anonymous.receive())["payload"]["errors"][0]["extensions"]["code"] == (
            "UNAUTHENTICATED"
        )

        follower = await Subscriber.connect(api.url, token)
        await follower.subscribe(PROCESSING, {"id": video_id})
        await wait_subscribed(
            settings.redis_url, progress_channel(settings.redis_namespace, video_id)
        )
        subscribed = subscribers_metric((await http.get("/metrics")).text)
        assert subscribed >= 1
        await gql(http, COMPLETE, {"id": video_id}, token=token)
        events = []
        while True:
            message = await follower.receive()
            if message["type"] == "complete":
                break
            assert message["type"] == "next", message
            events.append(message["payload"]["data"]["videoProcessing"])
        stages = list(dict.fromkeys(event["stage"] for event in events))
        assert stages[0] == "probing"
        assert stages[-1] == "ready"
        assert "transcoding 144p" in stages
        assert [e["progress"] for e in events] == sorted(e["progress"] for e in events)
        final = events[-1]["video"]
        assert final["status"] == "READY"  # never READY without its renditions
        assert [r["name"] for r in final["renditions"]] == ["144p", "240p", "360p", "480p"]
        assert final["playbackUrl"]
        first_playable = next(e for e in events if e["video"]["playbackUrl"])
        assert first_playable["stage"] != "ready"  # playable before the ladder finished

        # Subscribing to a finished video answers with its final state and completes.
        again = await Subscriber.connect(api.url, token)
        await again.subscribe(PROCESSING, {"id": video_id})
        done = await again.receive()
        assert done["payload"]["data"]["videoProcessing"]["stage"] == "ready"
        assert (await again.receive())["type"] == "complete"
        missing = await Subscriber.connect(api.url, token)
        await missing.subscribe(PROCESSING, {"id": "00000000-0000-0000-0000-000000000000"})
        assert (await missing.receive())["payload"]["errors"][0]["extensions"]["code"] == (
            "NOT_FOUND"
        )
        for subscriber in (refused, anonymous, follower, again, missing):
            await subscriber.close()
        # /metrics counts open subscriptions: the finished ones are gone.
        assert subscribers_metric((await http.get("/metrics")).text) < subscribed
        assert (await wait_for_video(http, token, video_id))["status"] == "READY"
