"""One contract for every object-store adapter: the filesystem store and S3 (moto's server)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from kino.infrastructure.storage import ObjectStore, StorageError
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.s3 import S3Store


@pytest.fixture(scope="module")
def moto_endpoint() -> Iterator[str]:
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture(params=["filesystem", "s3"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> ObjectStore:
    if request.param == "filesystem":
        return FilesystemStore(tmp_path / "objects")
    endpoint = request.getfixturevalue("moto_endpoint")
    bucket = f"kino-{secrets.token_hex(4)}"
    return S3Store(endpoint, "test", "test-secret", bucket, secure=False)


def test_put_stat_read_download_and_list(store: ObjectStore, tmp_path: Path):
    source = tmp_path / "segment.m4s"
    source.write_bytes(b"x" * 200_000)
    store.put_file("videos/a/hls/144p/seg_00000.m4s", source, "video/iso.segment")
    store.put_bytes("videos/a/hls/master.m3u8", b"#EXTM3U\n", "application/vnd.apple.mpegurl")
    store.put_bytes("videos/ab/source", b"other video", "video/mp4")

    assert source.exists()  # put_file copies unless asked to move
    assert store.stat("videos/a/hls/master.m3u8").size == 8
    assert store.stat("videos/a/missing") is None
    assert b"".join(store.read("videos/a/hls/144p/seg_00000.m4s")) == b"x" * 200_000
    copy = tmp_path / "copy"
    store.download("videos/a/hls/master.m3u8", copy)
    assert copy.read_bytes() == b"#EXTM3U\n"
    assert [info.key for info in store.list("videos/a/")] == [
        "videos/a/hls/144p/seg_00000.m4s",
        "videos/a/hls/master.m3u8",
    ]


def test_put_file_can_move_and_replaces_atomically(store: ObjectStore, tmp_path: Path):
    first, second = tmp_path / "one", tmp_path / "two"
    first.write_bytes(b"first")
    second.write_bytes(b"second version")
    store.put_file("videos/b/source", first, "video/mp4", move=True)
    store.put_file("videos/b/source", second, "video/mp4", move=True)
    assert not first.exists()
    assert not second.exists()
    assert b"".join(store.read("videos/b/source")) == b"second version"


def test_missing_objects_and_bad_keys_are_errors(store: ObjectStore, tmp_path: Path):
    with pytest.raises(StorageError):
        store.read("videos/none/source")
    with pytest.raises(StorageError):
        store.download("videos/none/source", tmp_path / "x")
    for key in ("../etc/passwd", "/abs", "videos/../../x", "videos//x", ""):
        with pytest.raises(StorageError):
            store.put_bytes(key, b"", "text/plain")
    store.delete("videos/none/source")  # deleting what is gone is fine


def test_delete_prefix_removes_only_that_prefix(store: ObjectStore):
    for key in ("videos/c/source", "videos/c/hls/1/init.mp4", "videos/cc/source"):
        store.put_bytes(key, b"data", "application/octet-stream")
    assert store.delete_prefix("videos/c/") == 2
    assert store.list("videos/c/") == []
    assert [info.key for info in store.list("videos/")] == ["videos/cc/source"]


def test_presigned_put_uploads_to_that_key_only(store: ObjectStore):
    url = store.presigned_put("videos/d/source", "video/mp4", timedelta(minutes=5))
    if isinstance(store, FilesystemStore):
        assert url is None  # the api's own upload endpoint is used instead
        return
    assert url is not None
    assert "videos/d/source" in url
    assert "X-Amz-Expires=300" in url
    response = httpx.put(url, content=b"movie bytes", headers={"Content-Type": "video/mp4"})
    assert response.status_code == 200
    assert store.stat("videos/d/source").size == len(b"movie bytes")


def test_read_a_byte_range(store: ObjectStore):
    data = bytes(range(256)) * 1000
    store.put_bytes("videos/r/hls/144p/seg_00001.m4s", data, "video/iso.segment")
    key = "videos/r/hls/144p/seg_00001.m4s"
    assert b"".join(store.read(key, offset=10, length=100)) == data[10:110]
    assert b"".join(store.read(key, 1000, offset=250_000)) == data[250_000:]
    assert b"".join(store.read(key, 7, offset=5, length=70_001)) == data[5:70_006]
    assert b"".join(store.read(key, offset=0, length=1)) == data[:1]
