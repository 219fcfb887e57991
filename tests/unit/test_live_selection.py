"""The liveStream subscription sends a viewer-count change only to selections that show it,
written directly, through an alias, or in a fragment; and counts its subscriber on the stream
whichever way the id is spelled."""

from __future__ import annotations

from uuid import uuid4

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from kino.graphql.live.subscriptions import selects
from kino.graphql.operations import watched_stream


def field(name: str, *children: object, alias: str | None = None) -> SelectedField:
    return SelectedField(name, {}, {}, list(children), alias)  # type: ignore[arg-type]


def test_the_count_is_found_directly_aliased_and_in_fragments():
    assert selects([field("id"), field("viewerCount")], "viewerCount")
    assert selects([field("viewerCount", alias="watching")], "viewerCount")
    spread = FragmentSpread("F", "LiveStream", {}, [field("viewerCount")])
    assert selects([field("id"), spread], "viewerCount")
    inline = InlineFragment("LiveStream", [InlineFragment(None, [field("viewerCount")], {})], {})
    assert selects([inline], "viewerCount")


def test_a_selection_without_the_count_is_not_nudged():
    recording = field("recording", field("id"), field("viewCount"))
    assert not selects([field("id"), field("status"), recording], "viewerCount")
    assert not selects([], "viewerCount")


def test_any_spelling_of_a_stream_id_counts_on_the_same_stream():
    stream = uuid4()
    query = "subscription($id: ID!) { liveStream(id: $id) { viewerCount } }"
    for spelling in (str(stream), str(stream).upper(), stream.hex):
        assert watched_stream(query, {"id": spelling}, None) == str(stream)
    literal = f'subscription {{ liveStream(id: "{str(stream).upper()}") {{ id }} }}'
    assert watched_stream(literal, None, None) == str(stream)
    assert watched_stream(query, {"id": "not an id"}, None) is None
    assert watched_stream(query, {"id": "x" * 10_000}, None) is None
    assert watched_stream("subscription { chat(streamId: 1) { __typename } }", None, None) is None
