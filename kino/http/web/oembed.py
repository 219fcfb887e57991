"""``GET /oembed?url=…&format=json``: oEmbed (https://oembed.com) for this Kino's watch pages.

Another site pasting ``{public_url}/watch/{id}`` asks here how to embed it and gets a
``video`` answer whose ``html`` is an iframe of ``/embed/{id}`` (which any site may frame),
sized to the video's shape within ``maxwidth``/``maxheight``. Only this Kino's own watch
URLs are answered; an unknown, unplayable or PRIVATE video is 404 like any unknown URL (a
PRIVATE one is not even said to exist), and formats other than JSON are 501, as the
specification asks. Anyone may ask, from any origin: the answer holds public data only.
"""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlsplit
from uuid import UUID

from litestar import Controller, get
from litestar.response import Response

from kino.bootstrap.container import Container
from kino.http.web.views import PageData, WatchVideo

DEFAULT_WIDTH = 640
THUMBNAIL_LINES = 360  # the transcoder's thumbnail: the short side, at most 360 pixels
_HEADERS = {"Access-Control-Allow-Origin": "*", "Cache-Control": "public, max-age=300"}


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)


def frame_size(
    width: int | None, height: int | None, max_width: int | None, max_height: int | None
) -> tuple[int, int]:
    """The iframe's size: the video's shape (16:9 when unknown), within the maxima asked."""
    ratio = (width / height) if width and height else 16 / 9
    frame_width = min(DEFAULT_WIDTH, max_width) if max_width else DEFAULT_WIDTH
    frame_height = round(frame_width / ratio)
    if max_height and frame_height > max_height:
        frame_height, frame_width = max_height, round(max_height * ratio)
    return max(1, frame_width), max(1, frame_height)


def thumbnail_size(width: int | None, height: int | None) -> tuple[int, int] | None:
    if not width or not height:
        return None
    short = min(width, height, THUMBNAIL_LINES) // 2 * 2
    if height > width:
        return short, _even(height * short / width)
    return _even(width * short / height), short


def watched_id(url: str, public_url: str) -> UUID | None:
    """The video of one of this Kino's watch URLs (``{public_url}/watch/{id}``), else None."""
    try:
        asked, ours = urlsplit(url.strip()), urlsplit(public_url)
        if (asked.scheme, asked.netloc.lower()) != (ours.scheme, ours.netloc.lower()):
            return None
        path = asked.path.rstrip("/").removeprefix(ours.path.rstrip("/"))
        page, _, raw = path.rpartition("/")
        return UUID(raw) if page == "/watch" and len(raw) == 36 else None
    except ValueError:
        return None


def oembed(video: WatchVideo, public_url: str, size: tuple[int, int]) -> dict[str, Any]:
    card, (width, height) = video.card, size
    embed_url = f"{public_url}/embed/{card.id}"
    html = (
        f'<iframe src="{escape(embed_url)}" width="{width}" height="{height}" '
        f'title="{escape(card.title)}" frameborder="0" '
        'allow="autoplay; fullscreen; picture-in-picture" allowfullscreen></iframe>'
    )
    answer: dict[str, Any] = {
        "version": "1.0",
        "type": "video",
        "provider_name": "Kino",
        "provider_url": f"{public_url}/",
        "title": card.title,
        "author_name": card.owner.display_name,
        "html": html,
        "width": width,
        "height": height,
    }
    if card.owner.handle:
        answer["author_url"] = f"{public_url}/channel/{card.owner.handle}"
    thumbnail = thumbnail_size(video.width, video.height)
    if card.thumbnail_url and thumbnail:
        answer["thumbnail_url"] = card.thumbnail_url
        answer["thumbnail_width"], answer["thumbnail_height"] = thumbnail
    if card.duration_seconds is not None:
        answer["duration"] = round(card.duration_seconds)
    return answer


class OEmbedController(Controller):
    include_in_schema = False

    @get("/oembed")
    async def oembed(
        self,
        container: Container,
        url: str,
        format: str = "json",  # the specification's name (shadows a builtin here only)
        maxwidth: int | None = None,
        maxheight: int | None = None,
    ) -> Response[Any]:
        if format.lower() != "json":
            return Response({"error": "Only format=json is answered."}, status_code=501)
        public_url = container.settings.public_url
        video_id = watched_id(url[:2000], public_url)
        video = await PageData(container).watchable(video_id) if video_id else None
        if video is None or not video.playback_url:
            return Response({"error": "No such video here."}, status_code=404, headers=_HEADERS)
        size = frame_size(video.width, video.height, _positive(maxwidth), _positive(maxheight))
        return Response(oembed(video, public_url, size), headers=_HEADERS)


def _positive(value: int | None) -> int | None:
    return value if value is not None and value > 0 else None
