"""Rules of the videos context that are not events: input limits and object keys."""

from __future__ import annotations

from uuid import UUID

from kino.domain.errors import BadInputError

VISIBILITIES = ("PUBLIC", "UNLISTED", "PRIVATE")
TITLE_MAX = 200
DESCRIPTION_MAX = 5000


def normalize_title(title: str) -> str:
    text = " ".join(title.split())
    if not text:
        raise BadInputError("A video needs a title.", field="title")
    if len(text) > TITLE_MAX:
        raise BadInputError(f"The title is too long (at most {TITLE_MAX}).", field="title")
    return text


def normalize_description(description: str) -> str:
    text = description.strip()
    if len(text) > DESCRIPTION_MAX:
        raise BadInputError(
            f"The description is too long (at most {DESCRIPTION_MAX}).", field="description"
        )
    return text


def check_visibility(visibility: str) -> str:
    if visibility not in VISIBILITIES:
        raise BadInputError(f"Unknown visibility {visibility!r}.", field="visibility")
    return visibility


def video_prefix(video_id: UUID) -> str:
    """Every object of one video lives under this prefix in the object store."""
    return f"videos/{video_id}/"


def source_key(video_id: UUID) -> str:
    return f"{video_prefix(video_id)}source"


def master_key(video_id: UUID) -> str:
    return f"{video_prefix(video_id)}hls/master.m3u8"


def is_media_path(path: str) -> bool:
    """Which paths under a video's prefix may be served to viewers (never the source)."""
    parts = path.split("/")
    if parts in (["thumbnail.jpg"], ["poster.jpg"], ["hls", "master.m3u8"]):
        return True
    if len(parts) != 3 or parts[0] != "hls" or not parts[1].replace("_", "").isalnum():
        return False
    name = parts[2]
    if name in ("index.m3u8", "init.mp4"):
        return True
    stem, _, ext = name.partition(".")
    kind, _, number = stem.partition("_")
    return ext in ("mp4", "m4s") and kind in ("init", "seg") and number.isdigit()
