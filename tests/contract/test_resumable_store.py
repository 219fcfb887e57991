"""One contract for resumable (tus) uploads in every object store: a part file on the
filesystem, an S3 multipart upload (moto's server) with a tail smaller than a part."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from kino.infrastructure.storage import ObjectStore
from kino.infrastructure.storage.factory import open_resumable
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.resumable import OffsetMismatchError, ResumableStore
from kino.infrastructure.storage.s3 import S3Store
from kino.infrastructure.storage.s3_resumable import MIN_PART, part_size

PREFIX = "videos/v1/tus/"
SOURCE = "videos/v1/source"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def stores(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[ObjectStore, ResumableStore]:
    store: ObjectStore
    if request.param == "filesystem":
        store = FilesystemStore(tmp_path / "objects")
    else:
        endpoint = request.getfixturevalue("moto_endpoint")
        store = S3Store(
            endpoint, "test", "test-secret", f"kino-{secrets.token_hex(4)}", secure=False
        )
    return store, open_resumable(store)


def append(resumable: ResumableStore, offset: int, data: bytes, length: int) -> int:
    appender = resumable.append(PREFIX, offset, "video/mp4", length)
    for start in range(0, len(data), 300_000):
        appender.write(data[start : start + 300_000])
    return appender.commit()


def test_appends_of_any_size_make_the_same_object_as_a_put(stores):
    store, resumable = stores
    data = os.urandom(12 * MIB + 12345)  # two full 5 MiB parts and a tail on S3
    assert resumable.offset(PREFIX) == 0
    offset = 0
    for size in (1 * MIB, 3 * MIB + 7, 6 * MIB, len(data)):
        offset = append(resumable, offset, data[offset:size], len(data))
        assert resumable.offset(PREFIX) == offset == size
    resumable.finish(PREFIX, SOURCE, "video/mp4")
    assert b"".join(store.read(SOURCE)) == data
    assert store.list(PREFIX) == []


def test_a_small_upload_and_an_empty_one(stores):
    store, resumable = stores
    assert append(resumable, 0, b"abc", 6) == 3
    assert append(resumable, 3, b"def", 6) == 6
    resumable.finish(PREFIX, SOURCE, "video/mp4")
    assert b"".join(store.read(SOURCE)) == b"abcdef"


def test_an_aborted_append_and_a_wrong_offset_keep_nothing(stores):
    store, resumable = stores
    data = os.urandom(7 * MIB)
    append(resumable, 0, data[:MIB], len(data))
    aborted = resumable.append(PREFIX, MIB, "video/mp4", len(data))
    aborted.write(b"garbage" * MIB)  # crosses a part boundary on S3
    aborted.abort()
    assert resumable.offset(PREFIX) == MIB
    with pytest.raises(OffsetMismatchError) as mismatch:
        resumable.append(PREFIX, 0, "video/mp4", len(data))
    assert mismatch.value.offset == MIB
    append(resumable, MIB, data[MIB:], len(data))
    resumable.finish(PREFIX, SOURCE, "video/mp4")
    assert b"".join(store.read(SOURCE)) == data


def test_an_append_never_committed_is_not_counted(stores):
    """A process killed mid-append: written bytes without a commit do not move the offset."""
    store, resumable = stores
    data = os.urandom(6 * MIB)
    append(resumable, 0, data[:100], len(data))
    crashed = resumable.append(PREFIX, 100, "video/mp4", len(data))
    crashed.write(data[100 : 6 * MIB - 10])  # no commit, no abort: the process died
    assert resumable.offset(PREFIX) == 100
    append(resumable, 100, data[100:], len(data))
    resumable.finish(PREFIX, SOURCE, "video/mp4")
    assert b"".join(store.read(SOURCE)) == data


def test_discard_removes_the_upload(stores):
    store, resumable = stores
    append(resumable, 0, os.urandom(6 * MIB), 8 * MIB)
    resumable.discard(PREFIX)
    resumable.discard(PREFIX)  # idempotent
    assert resumable.offset(PREFIX) == 0
    assert store.list("videos/v1/") == []


def test_parts_grow_for_huge_uploads():
    assert part_size(1) == MIN_PART
    assert part_size(100 * 1024 * MIB) * 10_000 >= 100 * 1024 * MIB
