"""Choose the object store from settings: S3 when KINO_S3_* is set, else the filesystem; and
the resumable (tus) uploads that go with it."""

from __future__ import annotations

from kino.infrastructure.settings import Settings
from kino.infrastructure.storage.filesystem import FilesystemStore
from kino.infrastructure.storage.port import ObjectStore
from kino.infrastructure.storage.resumable import FilesystemResumable, ResumableStore


def open_store(settings: Settings) -> ObjectStore:
    if settings.s3 is not None:
        from kino.infrastructure.storage.s3 import S3Store

        s3 = settings.s3
        return S3Store(s3.endpoint, s3.access_key, s3.secret_key, s3.bucket, secure=s3.secure)
    return FilesystemStore(settings.data_dir / "objects")


def open_resumable(store: ObjectStore) -> ResumableStore:
    """Resumable uploads in ``store``: a part file on the filesystem, multipart on S3."""
    from kino.infrastructure.storage.s3 import S3Store
    from kino.infrastructure.storage.s3_resumable import S3Resumable

    if isinstance(store, S3Store):
        return S3Resumable(store)
    if isinstance(store, FilesystemStore):
        return FilesystemResumable(store)
    raise TypeError(f"no resumable uploads for {type(store).__name__}")
