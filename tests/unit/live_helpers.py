from __future__ import annotations

from datetime import UTC, datetime, timedelta

from eventsourcing.persistence import Tracking

from kino.commands.chat import ChatRooms
from kino.commands.live import LiveStreams


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


def run_policy(live: LiveStreams, chat: ChatRooms) -> None:
    """Feed the live events the chat process has not seen yet to its policy (as the runner does)."""
    start = (chat.recorder.max_tracking_id("live") or 0) + 1
    for notification in live.recorder.select_notifications(start=start, limit=1000):
        event = live.mapper.to_domain_event(notification)
        if notification.topic in chat.topics:
            chat.process_event(event, Tracking("live", notification.id))
