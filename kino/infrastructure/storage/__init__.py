"""Object storage: one small port, a filesystem adapter (embedded default) and an S3 adapter."""

from kino.infrastructure.storage.port import ObjectInfo, ObjectStore, StorageError, check_key

__all__ = ["ObjectInfo", "ObjectStore", "StorageError", "check_key"]
