"""The live page, the pop-out chat and the studio: no serious or critical accessibility
violation (axe-core), light and dark, at 1280 and 375 px; screenshots of each."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.accessibility import serious_violations
from tests.browser.conftest import screenshot
from tests.browser.people import person, signed_in_page, stream_of
from tests.browser.site import Site

SEND = "mutation($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { id } }"


@pytest.mark.parametrize("width", [1280, 375])
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_live_chat_and_studio_pages_are_accessible(
    site: Site, other_person: Any, width: int, scheme: str
) -> None:
    streamer, viewer = person(site, "Streaming Sam"), person(site, "Vera Viewer")
    stream = stream_of(site, streamer, "Accessible stream")["stream"]
    for n in range(3):
        site.gql(SEND, {"s": stream["id"], "b": f"message {n}"}, token=viewer.token)

    def page_for(who: Any, path: str) -> Page:
        return signed_in_page(
            lambda: other_person(viewport={"width": width, "height": 900}, color_scheme=scheme),
            site,
            who,
            path,
        )

    pages = {
        "live": page_for(streamer, f"/live/{stream['id']}"),
        "chat-popout": page_for(viewer, f"/live/{stream['id']}/chat"),
        "studio": page_for(streamer, "/studio"),
    }
    expect(pages["live"].locator("#chat-log .chat-line")).to_have_count(3)
    expect(
        pages["live"].get_by_role("button", name="Moderate message from Vera Viewer").first
    ).to_be_visible()
    expect(pages["studio"].locator(".my-stream")).to_have_count(1)
    for name, page in pages.items():
        assert serious_violations(page) == [], name
        screenshot(page, f"{name}-{scheme}")
