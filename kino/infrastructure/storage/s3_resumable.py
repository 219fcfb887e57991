"""Resumable (tus) uploads on S3: one S3 multipart upload per video, in bounded memory.

Parts must be at least 5 MiB (except the last), tus appends can be any size: the bytes that do
not yet fill a part are the *tail*, kept as a small object of the bucket, so any api replica
can continue the upload and at most one part per append is held in memory. The state object
(``videos/<id>/tus/state.json``: the multipart upload id, the committed parts with their ETags
and the current tail object) is written last, in one PUT, so it is the commit: parts or tails a
crashed append uploaded are never counted, and are overwritten (same part number) or removed
with the upload's prefix.

The ``minio`` SDK offers multipart uploads only through ``Minio``'s underscore methods
(``_create_multipart_upload``, ``_upload_part``, ``_complete_multipart_upload``,
``_abort_multipart_upload``); they are stable S3 API calls and are used here on purpose.
"""

from __future__ import annotations

import contextlib
import json
import secrets
from dataclasses import dataclass, field

from minio.datatypes import Part
from minio.error import S3Error

from kino.infrastructure.storage.port import StorageError
from kino.infrastructure.storage.resumable import Appender, OffsetMismatchError
from kino.infrastructure.storage.s3 import S3Store

MIN_PART = 5 * 1024 * 1024
MAX_PARTS = 10_000


def part_size(length: int) -> int:
    """The part size of an upload of ``length`` bytes: 5 MiB, larger when 10 000 would not do."""
    return max(MIN_PART, -(-length // MAX_PARTS))


@dataclass
class _State:
    upload_id: str = ""
    parts: list[tuple[int, str, int]] = field(default_factory=list)  # number, etag, size
    tail_key: str = ""
    tail_size: int = 0

    @property
    def offset(self) -> int:
        return sum(size for _n, _etag, size in self.parts) + self.tail_size


class S3Resumable:
    def __init__(self, store: S3Store) -> None:
        self.store = store
        self.client, self.bucket = store.client, store.bucket

    def _load(self, prefix: str) -> _State:
        try:
            data = b"".join(self.store.read(f"{prefix}state.json"))
        except StorageError:
            return _State()
        raw = json.loads(data)
        parts = [(int(n), str(etag), int(size)) for n, etag, size in raw["parts"]]
        return _State(raw["upload_id"], parts, raw["tail_key"], int(raw["tail_size"]))

    def _save(self, prefix: str, state: _State) -> None:
        body = json.dumps(vars(state)).encode()
        self.store.put_bytes(f"{prefix}state.json", body, "application/json")

    def offset(self, prefix: str) -> int:
        return self._load(prefix).offset

    def append(self, prefix: str, offset: int, content_type: str, length: int) -> Appender:
        state = self._load(prefix)
        if offset != state.offset:
            raise OffsetMismatchError(state.offset)
        tail = b"".join(self.store.read(state.tail_key)) if state.tail_key else b""
        return _S3Appender(self, prefix, state, bytearray(tail), content_type, part_size(length))

    def finish(self, prefix: str, key: str, content_type: str) -> None:
        state = self._load(prefix)
        tail = b"".join(self.store.read(state.tail_key)) if state.tail_key else b""
        if not state.upload_id:
            if tail or self.store.stat(key) is None:
                self.store.put_bytes(key, tail, content_type)
        else:
            parts = [Part(n, etag) for n, etag, _size in state.parts]
            if tail:
                number = len(parts) + 1
                parts.append(Part(number, self._upload_part(key, state.upload_id, number, tail)))
            try:
                self.client._complete_multipart_upload(self.bucket, key, state.upload_id, parts)
            except S3Error:
                stored = self.store.stat(key)  # completed before a crash, or a real failure
                if stored is None or stored.size != state.offset:
                    raise
        self.store.delete_prefix(prefix)

    def discard(self, prefix: str) -> None:
        state = self._load(prefix)
        if state.upload_id:
            with contextlib.suppress(S3Error):  # gone already: nothing to abort
                self.client._abort_multipart_upload(
                    self.bucket, self._source_key(prefix), state.upload_id
                )
        self.store.delete_prefix(prefix)

    def _upload_part(self, key: str, upload_id: str, number: int, data: bytes) -> str:
        return self.client._upload_part(self.bucket, key, data, None, upload_id, number)

    def _source_key(self, prefix: str) -> str:
        return f"{prefix.removesuffix('tus/')}source"


class _S3Appender:
    def __init__(  # noqa: PLR0917 - the append's parts
        self,
        owner: S3Resumable,
        prefix: str,
        state: _State,
        buffer: bytearray,
        content_type: str,
        size: int,
    ) -> None:
        self._owner, self._prefix, self._state = owner, prefix, state
        self._buffer, self._content_type, self._part_size = buffer, content_type, size
        self._parts = list(state.parts)
        self._started = False  # this append began the multipart upload

    def write(self, data: bytes) -> None:
        self._buffer += data
        while len(self._buffer) >= self._part_size:
            self._flush_part(bytes(self._buffer[: self._part_size]))
            del self._buffer[: self._part_size]

    def _flush_part(self, data: bytes) -> None:
        owner, key = self._owner, self._owner._source_key(self._prefix)
        if not self._state.upload_id:
            headers: dict[str, str | list[str] | tuple[str]] = {"Content-Type": self._content_type}
            self._state.upload_id = owner.client._create_multipart_upload(
                owner.bucket, key, headers
            )
            self._started = True
        number = len(self._parts) + 1
        etag = owner._upload_part(key, self._state.upload_id, number, data)
        self._parts.append((number, etag, len(data)))

    def commit(self) -> int:
        owner, old_tail = self._owner, self._state.tail_key
        tail_key = ""
        if self._buffer:
            tail_key = f"{self._prefix}tail-{secrets.token_hex(8)}"
            owner.store.put_bytes(tail_key, bytes(self._buffer), "application/octet-stream")
        state = _State(self._state.upload_id, self._parts, tail_key, len(self._buffer))
        owner._save(self._prefix, state)  # the commit
        if old_tail and old_tail != tail_key:
            owner.store.delete(old_tail)
        return state.offset

    def abort(self) -> None:
        # Parts uploaded by this append are not in the state: the next append overwrites them.
        # A multipart upload this append began is recorded (it holds no counted bytes yet), so
        # the next append continues it and a discard aborts it.
        if self._started:
            state = self._state
            self._owner._save(
                self._prefix, _State(state.upload_id, [], state.tail_key, state.tail_size)
            )
