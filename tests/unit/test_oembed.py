"""oEmbed answers for this Kino's watch URLs: which URLs, what size, escaped markup."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from kino.http.web.oembed import frame_size, oembed, thumbnail_size, watched_id
from kino.http.web.views import Person, VideoCard, WatchVideo

PUBLIC = "https://kino.example"


@pytest.mark.parametrize(
    ("url", "found"),
    [
        ("https://kino.example/watch/{id}", True),
        ("https://KINO.example/watch/{id}/", True),
        ("https://kino.example/watch/{id}?t=10", True),
        ("http://kino.example/watch/{id}", False),  # another scheme: another site
        ("https://kino.example.evil/watch/{id}", False),
        ("https://evil.example/watch/{id}", False),
        ("https://kino.example/embed/{id}", False),
        ("https://kino.example/watch/not-a-uuid", False),
        ("https://kino.example/x/watch/{id}", False),
        ("https://[::1/watch/{id}", False),
        ("", False),
    ],
)
def test_only_this_kinos_watch_urls_are_answered(url, found):
    video_id = uuid4()
    assert (watched_id(url.format(id=video_id), PUBLIC) == video_id) is found


def test_a_kino_under_a_path_prefix():
    video_id = uuid4()
    assert watched_id(f"https://kino.example/tv/watch/{video_id}", f"{PUBLIC}/tv") == video_id


def test_the_frame_keeps_the_video_shape_within_the_maxima():
    assert frame_size(1920, 1080, None, None) == (640, 360)
    assert frame_size(None, None, None, None) == (640, 360)
    assert frame_size(1920, 1080, 320, None) == (320, 180)
    assert frame_size(1920, 1080, 1000, 270) == (480, 270)
    assert frame_size(360, 640, None, 400) == (225, 400)
    assert thumbnail_size(1920, 1080) == (640, 360)
    assert thumbnail_size(360, 640) == (360, 640)
    assert thumbnail_size(320, 180) == (320, 180)
    assert thumbnail_size(None, None) is None


def test_the_answer_is_a_video_whose_html_frames_the_embed_page_with_text_escaped():
    card = VideoCard(
        id=str(uuid4()),
        title='A "clip" <script>alert(1)</script>',
        description="",
        owner=Person(id="1", handle="ada", display_name="Ada <b>L</b>"),
        created_at=datetime.now(UTC),
        duration_seconds=29.6,
        thumbnail_url=f"{PUBLIC}/media/x/thumbnail.jpg",
        view_count=0,
    )
    video = WatchVideo(card, "PUBLIC", "READY", "p", None, None, (), 0, 640, 360)
    answer = oembed(video, PUBLIC, (640, 360))
    assert answer["type"] == "video" and answer["version"] == "1.0"
    assert answer["html"].startswith(f'<iframe src="{PUBLIC}/embed/{card.id}" width="640"')
    assert "<script>" not in answer["html"]
    assert "&lt;script&gt;" in answer["html"] and "&quot;clip&quot;" in answer["html"]
    assert answer["title"] == card.title  # JSON carries text; consumers escape it
    assert answer["author_name"] == "Ada <b>L</b>"
    assert answer["author_url"] == f"{PUBLIC}/channel/ada"
    assert (answer["thumbnail_width"], answer["thumbnail_height"]) == (640, 360)
    assert answer["duration"] == 30
