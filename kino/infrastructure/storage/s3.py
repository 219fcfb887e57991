"""The S3 object store through the ``minio`` SDK (MinIO in production, any S3 API)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from minio import Minio
from minio.deleteobjects import DeleteObject
from minio.error import S3Error

from kino.infrastructure.storage.port import ObjectInfo, StorageError, check_key

_MISSING = ("NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound")


class S3Store:
    def __init__(
        self, endpoint: str, access_key: str, secret_key: str, bucket: str, *, secure: bool
    ) -> None:
        parts = urlsplit(endpoint if "://" in endpoint else f"//{endpoint}")
        if parts.scheme:
            secure = parts.scheme == "https"
        self.client = Minio(
            parts.netloc, access_key=access_key, secret_key=secret_key, secure=secure
        )
        self.bucket = bucket
        if not self.client.bucket_exists(bucket):
            self.client.make_bucket(bucket)

    def put_file(
        self, key: str, path: Path, content_type: str, *, move: bool = False, durable: bool = False
    ) -> None:
        # An S3 PUT is answered once the object is durable: ``durable`` asks nothing more here.
        self.client.fput_object(self.bucket, check_key(key), str(path), content_type=content_type)
        if move:
            path.unlink(missing_ok=True)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(
            self.bucket, check_key(key), io.BytesIO(data), len(data), content_type=content_type
        )

    def stat(self, key: str) -> ObjectInfo | None:
        try:
            result = self.client.stat_object(self.bucket, check_key(key))
        except S3Error as error:
            if error.code in _MISSING:
                return None
            raise
        return ObjectInfo(key, int(result.size or 0))

    def download(self, key: str, path: Path) -> None:
        try:
            self.client.fget_object(self.bucket, check_key(key), str(path))
        except S3Error as error:
            raise StorageError(f"no object {key!r}: {error.code}") from None

    def read(
        self, key: str, chunk_size: int = 64 * 1024, *, offset: int = 0, length: int | None = None
    ) -> Iterator[bytes]:
        if length == 0:
            return iter(())
        try:
            response = self.client.get_object(
                self.bucket, check_key(key), offset=offset, length=length or 0
            )
        except S3Error as error:
            raise StorageError(f"no object {key!r}: {error.code}") from None
        return _stream(response, chunk_size)

    def list(self, prefix: str) -> list[ObjectInfo]:
        objects = self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
        return sorted(
            (ObjectInfo(str(obj.object_name), int(obj.size or 0)) for obj in objects),
            key=lambda info: info.key,
        )

    def delete(self, key: str) -> None:
        self.client.remove_object(self.bucket, check_key(key))

    def delete_prefix(self, prefix: str) -> int:
        keys = [info.key for info in self.list(prefix)]
        errors = list(self.client.remove_objects(self.bucket, (DeleteObject(k) for k in keys)))
        if errors:
            raise StorageError(f"could not delete {len(errors)} objects under {prefix!r}")
        return len(keys)

    def presigned_put(self, key: str, content_type: str, expires: timedelta) -> str | None:
        return str(self.client.presigned_put_object(self.bucket, check_key(key), expires=expires))


def _stream(response: Any, chunk_size: int) -> Iterator[bytes]:
    try:
        yield from response.stream(chunk_size)
    finally:
        response.close()
        response.release_conn()
