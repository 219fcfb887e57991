"""Cursors, byte ranges, cache headers and token-carrying playlists (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from kino.domain.errors import BadInputError
from kino.http.media import cache_control, parse_range, with_token
from kino.queries.cursors import decode_cursor, encode_cursor


def test_cursors_round_trip_to_the_microsecond_and_refuse_garbage():
    when, row = datetime(2026, 11, 26, 10, 0, 0, 123457, tzinfo=UTC), uuid4()
    assert decode_cursor(encode_cursor(when, row)) == (when, row)
    for bad in ("", "x", "djE6eDp5", "djI6MTox", "!!!!"):
        with pytest.raises(BadInputError):
            decode_cursor(bad)


def test_ranges():
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=95-200", 100) == (95, 99)
    assert parse_range("bytes=-10", 100) == (90, 99)
    assert parse_range("bytes=100-", 100) is False
    assert parse_range("bytes=5-1", 100) is False
    assert parse_range("bytes=0-1,5-9", 100) is None  # several ranges: the whole object
    assert parse_range("items=0-1", 100) is None


def test_cache_headers_and_tokens_in_playlists():
    assert cache_control("hls/master.m3u8", private=False) == "public, no-cache"
    assert "immutable" in cache_control("hls/144p/seg_00001.m4s", private=True)
    playlist = '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2.0,\nseg_00000.m4s\n'
    signed = with_token(playlist, "T")
    assert '#EXT-X-MAP:URI="init.mp4?token=T"' in signed
    assert "seg_00000.m4s?token=T" in signed.splitlines()
