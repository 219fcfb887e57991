"""Uploads do not fill the page cache: written bytes are synced and released as they arrive."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import patch

from kino.infrastructure.storage.filesystem import FilesystemStore, UploadStaging
from kino.infrastructure.storage.page_cache import ReleasingWriter
from kino.infrastructure.storage.resumable import FilesystemResumable


def test_a_streamed_file_is_synced_and_released_every_so_many_bytes(tmp_path: Path) -> None:
    synced: list[int] = []
    released: list[tuple[int, int]] = []
    with (
        patch("os.fdatasync", side_effect=synced.append),
        patch(
            "kino.infrastructure.storage.page_cache.release",
            side_effect=lambda fd, offset, length: released.append((offset, length)),
        ),
        ReleasingWriter((tmp_path / "body").open("wb"), every=16) as writer,
    ):
        for _ in range(5):
            writer.write(b"0123456789")

    assert len(synced) == 2
    assert released == [(0, 20), (20, 20)]  # the last 10 bytes wait for the final sync
    assert (tmp_path / "body").read_bytes() == b"0123456789" * 5


def test_the_upload_staging_file_releases_what_it_wrote(tmp_path: Path) -> None:
    writer, path = UploadStaging(tmp_path).new_file("video-")
    with patch("kino.infrastructure.storage.page_cache.release") as release, writer:
        writer.every = 4
        writer.write(b"abcdef")

    release.assert_called_once()
    assert path.read_bytes() == b"abcdef"


def test_a_committed_tus_append_releases_its_bytes(tmp_path: Path) -> None:
    resumable = FilesystemResumable(FilesystemStore(tmp_path))
    with patch("kino.infrastructure.storage.resumable.release") as release:
        append = resumable.append("videos/v/tus/", 0, "video/mp4", 100)
        append.write(b"x" * 10)
        assert append.commit() == 10
        append = resumable.append("videos/v/tus/", 10, "video/mp4", 100)
        append.write(b"y" * 5)
        assert append.commit() == 15

    assert [call.args[1:] for call in release.call_args_list] == [(0, 10), (10, 5)]
    assert resumable.offset("videos/v/tus/") == 15
