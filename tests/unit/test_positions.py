"""The resume-position use case with fakes: what is kept, cleared, refused and rate-bounded."""

from __future__ import annotations

from dataclasses import dataclass, field
from uuid import UUID, uuid4

import pytest

from kino.commands.positions import EDGE_SECONDS, Positions, resumable
from kino.domain.errors import BadInputError, NotFoundError, RateLimitedError
from tests.unit.fakes import Limit


@dataclass
class Entry:
    id: UUID
    owner_id: UUID
    visibility: str = "PUBLIC"
    status: str = "READY"
    duration_seconds: float | None = 100.0


@dataclass
class Catalog:
    entries: dict[UUID, Entry] = field(default_factory=dict)

    def add(
        self, visibility: str = "PUBLIC", status: str = "READY", duration: float | None = 100.0
    ) -> Entry:
        entry = Entry(uuid4(), uuid4(), visibility, status, duration)
        self.entries[entry.id] = entry
        return entry

    async def by_id(self, video_id: UUID) -> Entry | None:
        return self.entries.get(video_id)


@dataclass
class Store:
    kept: dict[tuple[UUID, UUID], float] = field(default_factory=dict)

    async def save(self, user_id: UUID, video_id: UUID, seconds: float) -> None:
        self.kept[user_id, video_id] = seconds

    async def clear(self, user_id: UUID, video_id: UUID) -> None:
        self.kept.pop((user_id, video_id), None)

    async def get(self, user_id: UUID, video_id: UUID) -> float | None:
        return self.kept.get((user_id, video_id))


def positions(allowed: int = 100) -> tuple[Positions, Catalog, Store]:
    catalog, store = Catalog(), Store()
    return Positions(catalog, store, Limit(allowed)), catalog, store


def test_resumable_only_away_from_both_ends():
    assert not resumable(EDGE_SECONDS - 0.1, 100)
    assert resumable(EDGE_SECONDS, 100)
    assert resumable(94.9, 100)
    assert not resumable(95.0, 100)
    assert resumable(5000, None)  # the duration is not known yet


async def test_a_position_is_kept_then_cleared_near_the_end():
    use_case, catalog, _ = positions()
    video, viewer = catalog.add(), uuid4()
    assert await use_case.save(viewer, video.id, 42.0) is True
    assert await use_case.position(viewer, video.id) == 42.0
    assert await use_case.position(uuid4(), video.id) is None
    assert await use_case.save(viewer, video.id, 99.0) is False
    assert await use_case.position(viewer, video.id) is None
    assert await use_case.save(viewer, video.id, 1.0) is False


async def test_refusals():
    use_case, catalog, _ = positions()
    viewer = uuid4()
    private = catalog.add(visibility="PRIVATE")
    failed = catalog.add(status="FAILED")
    processing = catalog.add(status="PROCESSING", duration=None)
    for seconds in (-0.5, float("nan"), float("inf"), 101.5):
        with pytest.raises(BadInputError):
            await use_case.save(viewer, catalog.add().id, seconds)
    for video_id in (private.id, failed.id, uuid4()):
        with pytest.raises(NotFoundError):
            await use_case.save(viewer, video_id, 10.0)
    assert await use_case.save(private.owner_id, private.id, 10.0) is True
    assert await use_case.save(viewer, processing.id, 10.0) is True  # playable already


async def test_saving_is_rate_bounded_per_user():
    use_case, catalog, store = positions(allowed=2)
    video, viewer = catalog.add(), uuid4()
    await use_case.save(viewer, video.id, 10.0)
    await use_case.save(viewer, video.id, 20.0)
    with pytest.raises(RateLimitedError):
        await use_case.save(viewer, video.id, 30.0)
    assert store.kept[viewer, video.id] == 20.0
    assert await use_case.save(uuid4(), video.id, 30.0) is True
