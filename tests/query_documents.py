"""GraphQL documents an attacker sends: fragment fan-out in several shapes (each fragment
spreads the next two or three times, so expanding them costs spreads ** fragments)."""

from __future__ import annotations

from collections.abc import Callable

NO_ID = "00000000-0000-0000-0000-000000000000"


def chain(n: int, on: str, body: Callable[[int], str], leaf: str) -> str:
    """Fragments F0..F{n-1} on ``on``, each with ``body(i)`` (which spreads F{i+1}), and a leaf."""
    fragments = [f"fragment F{i} on {on} {{ {body(i)} }}" for i in range(n)]
    fragments.append(f"fragment F{n} on {on} {{ {leaf} }}")
    return " ".join(fragments)


def spreads(i: int, k: int) -> str:
    return " ".join([f"...F{i + 1}"] * k)


def fan_out_on_query(n: int, k: int = 2) -> str:
    return "query { ...F0 } " + chain(n, "Query", lambda i: spreads(i, k), "__typename")


def fan_out_on_user(n: int, k: int = 2) -> str:
    """Behind nested object types: video { owner { ... } }."""
    root = f'query {{ video(id: "{NO_ID}") {{ owner {{ ...F0 }} }} }} '
    return root + chain(n, "User", lambda i: spreads(i, k), "id handle")


def fan_out_behind_aliases(n: int, k: int = 2) -> str:
    """Each fragment also selects an aliased field, at the root behind aliases."""
    root = f'query {{ a: video(id: "{NO_ID}") {{ ...F0 }} b: video(id: "{NO_ID}") {{ ...F0 }} }} '
    return root + chain(n, "Video", lambda i: f"t{i}: title {spreads(i, k)}", "id")


def fan_out_nested_comments(n: int, k: int = 2) -> str:
    """Each fragment nests one level deeper through replies (a recursive type)."""
    root = f'query {{ comments(videoId: "{NO_ID}") {{ edges {{ node {{ ...F0 }} }} }} }} '
    return root + chain(
        n, "Comment", lambda i: f"id replies {{ edges {{ node {{ {spreads(i, k)} }} }} }}", "id"
    )


def fan_out_inline(n: int, k: int = 2) -> str:
    """Spreads inside inline fragments and with directives."""
    return "query { ...F0 } " + chain(
        n,
        "Query",
        lambda i: f"... on Query {{ {spreads(i, k - 1)} }} ...F{i + 1} @include(if: true)",
        "__typename",
    )


SHAPES = {
    "on Query": fan_out_on_query,
    "on User, nested in video.owner": fan_out_on_user,
    "behind aliases": fan_out_behind_aliases,
    "through recursive replies": fan_out_nested_comments,
    "inline fragments and directives": fan_out_inline,
}


def fan_out_documents(counts: tuple[int, ...] = (20, 40, 60)) -> list[tuple[str, str]]:
    """(label, document) for every shape, two and three spreads per fragment, each count."""
    return [
        (f"{shape}, {k} spreads, {n} fragments", build(n, k))
        for shape, build in SHAPES.items()
        for k in (2, 3)
        for n in counts
    ]
