"""Rules of the videos context that are not events: input limits and object keys."""

from __future__ import annotations

from uuid import UUID

from kino.domain.errors import BadInputError
from kino.domain.text import TextRule, description_rule, title_rule
from kino.domain.video_values import Visibility

TITLE_MAX = 200
DESCRIPTION_MAX = 5000
FILENAME_MAX = 255
SEARCH_MAX = 200
STORYBOARD_INDEX = "storyboard.vtt"  # hover previews: a WebVTT index of ...
STORYBOARD_SPRITE = "storyboard.jpg"  # ... tiles of one JPEG sprite, next to it

TITLE = title_rule(TITLE_MAX, required="A video needs a title.")
DESCRIPTION = description_rule(DESCRIPTION_MAX)
FILENAME = TextRule(field="filename", name="The file name", max_length=FILENAME_MAX)
SEARCH = TextRule(field="query", name="The search", max_length=SEARCH_MAX)

# What a browser reports for the files the transcoder (ffmpeg) can probe; a client that does
# not know sends application/octet-stream (ffmpeg probes the content, not the type).
CONTENT_TYPES = frozenset(
    {
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "video/x-matroska",
        "video/x-msvideo",
        "video/avi",
        "video/mpeg",
        "video/mp2t",
        "video/x-flv",
        "video/x-m4v",
        "video/x-ms-wmv",
        "video/3gpp",
        "video/3gpp2",
        "video/ogg",
        "audio/mpeg",
        "audio/mp4",
        "audio/x-m4a",
        "audio/aac",
        "audio/wav",
        "audio/x-wav",
        "audio/ogg",
        "audio/opus",
        "audio/flac",
        "audio/x-flac",
        "audio/webm",
        "audio/3gpp",
        "application/octet-stream",
    }
)
UNKNOWN_CONTENT_TYPE = "application/octet-stream"
# Verbatim: a line break anywhere (even a trailing CR) is refused, never trimmed away.
CONTENT_TYPE = TextRule(field="contentType", name="The content type", max_length=100, verbatim=True)


def clean_filename(raw: str) -> str:
    """The file name as stored: checked, path separators made harmless; "upload" if empty."""
    return FILENAME.clean(raw).replace("/", "_").replace("\\", "_") or "upload"


def check_content_type(raw: str) -> str:
    """One of ``CONTENT_TYPES`` exactly (parameters such as ``;codecs=`` are dropped; empty
    means unknown), so the upload header handed back can only be one of those strings."""
    essence = CONTENT_TYPE.clean(raw).partition(";")[0].strip().lower()
    essence = essence or UNKNOWN_CONTENT_TYPE
    if essence not in CONTENT_TYPES:
        raise BadInputError(
            "Upload a video or audio file: contentType must be a known media type such as "
            "video/mp4, video/webm or video/quicktime (application/octet-stream if unknown).",
            field="contentType",
        )
    return essence


def stored_content_type(value: str) -> str:
    """A content type read back from the event store (older code let any through)."""
    return value if value in CONTENT_TYPES else UNKNOWN_CONTENT_TYPE


def search_text(raw: str | None) -> str | None:
    """A search query as run: checked like any text; None when there is nothing to search."""
    if raw is None:
        return None
    return SEARCH.clean(raw) or None


def check_visibility(visibility: str) -> Visibility:
    try:
        return Visibility(visibility)
    except ValueError:
        raise BadInputError(f"Unknown visibility {visibility!r}.", field="visibility") from None


def video_prefix(video_id: UUID) -> str:
    """Every object of one video lives under this prefix in the object store."""
    return f"videos/{video_id}/"


def source_key(video_id: UUID) -> str:
    return f"{video_prefix(video_id)}source"


def master_key(video_id: UUID) -> str:
    return f"{video_prefix(video_id)}hls/master.m3u8"


def storyboard_keys(video_id: UUID) -> tuple[str, str]:
    """The object keys of a video's hover previews: its WebVTT index and its sprite."""
    prefix = video_prefix(video_id)
    return prefix + STORYBOARD_INDEX, prefix + STORYBOARD_SPRITE


def is_media_path(path: str) -> bool:
    """Which paths under a video's prefix may be served to viewers (never the source)."""
    parts = path.split("/")
    if parts in (["thumbnail.jpg"], ["poster.jpg"], ["hls", "master.m3u8"]):
        return True
    if parts in ([STORYBOARD_INDEX], [STORYBOARD_SPRITE]):
        return True
    if len(parts) != 3 or parts[0] != "hls" or not parts[1].replace("_", "").isalnum():
        return False
    name = parts[2]
    if name in ("index.m3u8", "init.mp4"):
        return True
    stem, _, ext = name.partition(".")
    kind, _, number = stem.partition("_")
    return ext in ("mp4", "m4s") and kind in ("init", "seg") and number.isdigit()
