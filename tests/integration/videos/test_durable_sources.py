"""An upload is acknowledged only once its source is on stable storage: the bytes cannot be
made again, and a power cut after "received" must not leave an empty source behind."""

from __future__ import annotations

import os
from uuid import UUID

import pytest

from kino.domain.video_rules import source_key
from kino.infrastructure.storage.filesystem import FilesystemStore
from tests.integration.accounts_helpers import register
from tests.integration.videos.helpers import create_upload, put_bytes


@pytest.fixture
def synced_inodes(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """The inodes whose data was synced (``fdatasync``) while the test ran."""
    synced: set[int] = set()
    real = os.fdatasync

    def record(fd: int) -> None:
        real(fd)
        synced.add(os.fstat(fd).st_ino)

    monkeypatch.setattr(os, "fdatasync", record)
    return synced


async def test_a_put_upload_is_synced_before_it_is_acknowledged(client, settings, synced_inodes):
    token = (await register(client))["accessToken"]
    data = os.urandom(64 * 1024)
    upload = await create_upload(client, token, len(data))
    response = await put_bytes(client, upload, data)
    assert response.status_code == 200, response.text
    video_id = UUID(upload["video"]["id"])
    source = FilesystemStore(settings.data_dir / "objects").path(source_key(video_id))
    assert source.read_bytes() == data
    assert source.stat().st_ino in synced_inodes


def test_a_durable_put_syncs_before_the_object_appears(tmp_path, monkeypatch):
    store = FilesystemStore(tmp_path / "objects")
    key = "videos/x/source"
    seen_at_sync: list[bool] = []
    real = os.fdatasync

    def record(fd: int) -> None:
        real(fd)
        seen_at_sync.append(store.path(key).exists())

    monkeypatch.setattr(os, "fdatasync", record)
    for move in (True, False):
        local = tmp_path / f"received-{move}"
        local.write_bytes(b"bytes")
        store.put_file(key, local, "video/mp4", move=move, durable=True)
        store.delete(key)
    store.put_file(key, tmp_path / "received-False", "video/mp4", durable=False)
    assert seen_at_sync == [False, False]  # once per durable put, before the rename
