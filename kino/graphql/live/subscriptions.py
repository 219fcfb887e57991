"""The ``liveStream(id)`` subscription: the stream each time its read model changes, and each
time its viewer count does when the selection shows it."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Iterable

import strawberry
from strawberry.types.nodes import SelectedField, Selection

from kino.graphql.announcements import baseline, fresh_announcements, starting_point
from kino.graphql.context import Info
from kino.graphql.ids import parse_id
from kino.graphql.live.types import LiveStreamType, read_stream


@strawberry.type
class LiveSubscription:
    @strawberry.subscription(description="The stream each time it changes.")
    async def live_stream(
        self, info: Info, id: strawberry.ID
    ) -> AsyncGenerator[LiveStreamType, None]:
        container = info.context.container
        live, chat, realtime = container.live, container.chat, container.realtime
        stream_id = parse_id(id)
        await read_stream(info.context, stream_id)  # NOT_FOUND before subscribing
        channel = realtime.channels.live(stream_id)

        async def start() -> dict[str, int]:
            positions = {
                live.app.name: await live.streams.position(live.app.name),
                chat.app.name: await chat.rooms.position(chat.app.name),
            }
            return baseline(positions, realtime.pubsub.delivered_positions(channel))

        marks = info.context.run_marks
        shows_count = selects(info.selected_fields[0].selections, "viewerCount")
        seen = await starting_point(start, marks)  # before listening
        messages = realtime.pubsub.listen(channel)
        async for message in fresh_announcements(messages, seen, marks):
            if "position" not in message and not shows_count:
                continue  # the viewer count changed: nothing this selection shows
            record = await live.streams.stream(stream_id)
            if record is not None:
                yield LiveStreamType.from_record(record)


def selects(selections: Iterable[Selection], name: str) -> bool:
    """True when the field ``name`` is among these selections or their fragments'."""
    for selection in selections:
        if isinstance(selection, SelectedField):
            if selection.name == name:
                return True
        elif selects(selection.selections, name):
            return True
    return False
