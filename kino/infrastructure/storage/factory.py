"""Choose the object store from settings: S3 when KINO_S3_* is set, else the filesystem."""

from __future__ import annotations

from kino.infrastructure.settings import Settings
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.port import ObjectStore


def open_store(settings: Settings) -> ObjectStore:
    if settings.s3 is not None:
        from kino.infrastructure.storage.s3 import S3Store

        s3 = settings.s3
        return S3Store(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket, secure=s3.secure)
    return FilesystemStore(settings.data_dir / "objects")
