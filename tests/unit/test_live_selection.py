"""The liveStream subscription sends a viewer-count change only to selections that show it,
written directly, through an alias, or in a fragment."""

from __future__ import annotations

from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from kino.graphql.live.subscriptions import selects


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
