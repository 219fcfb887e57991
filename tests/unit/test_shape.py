"""The shape the code keeps (issue 11): short mutation resolvers, modules under 300 lines, at
most five ``type: ignore`` in kino/ each saying why, a map (docs/ARCHITECTURE.md) whose every
module exists, a container that re-exports types only, and no repeated code in kino/ but the
projections' dispatch and the declarative look-alikes listed (with why) in ``LOOK_ALIKES``."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from kino.bootstrap import container

ROOT = Path(__file__).resolve().parents[2]
KINO = ROOT / "kino"
MAX_RESOLVER_LINES = 20
MAX_MODULE_LINES = 300
MAX_IGNORES = 5


def modules() -> list[Path]:
    return sorted(KINO.rglob("*.py"))


def is_mutation(decorator: ast.expr) -> bool:
    target = decorator.func if isinstance(decorator, ast.Call) else decorator
    return isinstance(target, ast.Attribute) and target.attr == "mutation"


def test_no_mutation_resolver_is_longer_than_twenty_lines():
    long = []
    for path in modules():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.AsyncFunctionDef | ast.FunctionDef) and any(
                is_mutation(d) for d in node.decorator_list
            ):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_RESOLVER_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length})")
    assert long == []


def test_no_module_is_over_three_hundred_lines():
    big = [
        f"{path.relative_to(ROOT)} ({n})"
        for path in modules()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    ]
    assert big == []


def test_at_most_five_type_ignores_each_with_a_reason():
    ignores = [
        (path, line)
        for path in modules()
        for line in path.read_text().splitlines()
        if "type: ignore" in line
    ]
    assert len(ignores) <= MAX_IGNORES, [str(p.relative_to(ROOT)) for p, _ in ignores]
    unexplained = [
        f"{path.relative_to(ROOT)}: {line.strip()}"
        for path, line in ignores
        if not re.search(r"type: ignore\[[^\]]+\]\s+#\s*\S", line)
    ]
    assert unexplained == []


def test_every_module_the_architecture_map_names_exists():
    text = (ROOT / "docs" / "ARCHITECTURE.md").read_text()
    named = set(re.findall(r"`(kino/[A-Za-z0-9_/.]+)`", text))
    assert named, "the map names no module"
    missing = sorted(name for name in named if not (ROOT / name.rstrip("/")).exists())
    assert missing == []


def test_the_container_re_exports_types_not_functions():
    """GraphQL and HTTP depend on the container's types and the objects it holds."""
    names = container.__all__
    assert [name for name in names if not isinstance(getattr(container, name), type)] == []


# Pairs `duplicates` reports that stay: declarations alike in shape, where sharing code would
# hide what each declares. Paths are relative to kino/; a pair within one file names it twice.
LOOK_ALIKES: dict[str, set[tuple[str, str]]] = {
    "text rules: each TextRule is one rule's data (field, name, limits, messages)": {
        ("domain/identity.py", "domain/video_rules.py"),
        ("domain/comments.py", "domain/video_rules.py"),
        ("domain/comments.py", "domain/identity.py"),
        ("domain/identity.py", "domain/identity.py"),
    },
    "frozen records and the container's groups: dataclass fields, a name and a type each": {
        ("bootstrap/container.py", "bootstrap/container.py"),
        ("bootstrap/container.py", "commands/chat.py"),
        ("bootstrap/container.py", "infrastructure/tokens.py"),
        ("bootstrap/container.py", "queries/chat.py"),
        ("commands/chat.py", "infrastructure/tokens.py"),
        ("commands/chat.py", "queries/chat.py"),
        ("infrastructure/tokens.py", "queries/chat.py"),
        ("commands/accounts.py", "commands/resumable.py"),
    },
    "the Video type declares the contract's fields, VideoRecord the catalog's: alike by design": {
        ("graphql/videos/queries.py", "graphql/videos/queries.py"),
        ("graphql/videos/types.py", "queries/videos.py"),
    },
    "from_record: a record's fields handed to the contract's type, one keyword each": {
        ("graphql/accounts/types.py", "graphql/live/types.py"),
        ("graphql/accounts/types.py", "graphql/videos/types.py"),
        ("graphql/chat/types.py", "graphql/live/types.py"),
        ("graphql/live/types.py", "graphql/videos/types.py"),
    },
    "resolvers' signatures: the contract's arguments (first, after, query, id)": {
        ("graphql/live/queries.py", "graphql/videos/queries.py"),
        ("graphql/live/subscriptions.py", "graphql/videos/subscriptions.py"),
    },
    "event methods: each private @event method assigns its event's fields (replay runs no rule)": {
        ("domain/accounts.py", "domain/comments.py"),
        ("domain/accounts.py", "domain/live.py"),
        ("domain/accounts.py", "domain/videos.py"),
        ("domain/comments.py", "domain/live.py"),
        ("domain/comments.py", "domain/videos.py"),
        ("domain/videos.py", "domain/videos.py"),
    },
    "error classes (a name and a code each), the broker's subject names (one property each)": {
        ("domain/errors.py", "domain/errors.py"),
        ("infrastructure/broker.py", "infrastructure/broker.py"),
    },
    "ports: protocols' properties and abstract methods, declared without bodies": {
        ("commands/chatting.py", "commands/ports.py"),
        ("commands/chatting.py", "projections/runner.py"),
        ("commands/ports.py", "projections/runner.py"),
        ("commands/ports.py", "commands/positions.py"),
        ("commands/chatting.py", "commands/positions.py"),
        ("commands/positions.py", "projections/runner.py"),
    },
    "page handlers' signatures: the request, the container, the assets, the path's id": {
        ("http/web/pages.py", "http/web/pages.py"),
    },
    "PostgreSQL read models' declarations: the rebuild's insert (typed columns), blind_writes, "
    "the table's DDL": {
        ("projections/users.py", "projections/videos.py"),
    },
    "Redis adapters: a client, a namespace, limits, Lua scripts registered once": {
        ("infrastructure/playback_positions.py", "infrastructure/view_counter.py"),
        ("infrastructure/playback_positions.py", "infrastructure/throttle.py"),
        ("domain/live.py", "infrastructure/playback_positions.py"),
    },
}
_PAIR = re.compile(r"^D\d+ (\S+?):\d+-\d+ ~ (\S+?):\d+-\d+(.*)$")


def reported_pairs() -> list[tuple[str, str, bool]]:
    """(one file, the other, marked boilerplate) for every pair ``duplicates`` reports."""
    tool = shutil.which("duplicates")
    if tool is None:
        pytest.skip("the `duplicates` command is not installed here (it is a developer tool)")
    command = [tool, "--repo", str(KINO), "--most", "200", "--seconds", "120"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    lines = output.splitlines()
    assert not [line for line in lines if "incomplete:" in line or "more pairs)" in line], output
    pairs = []
    for line in lines:
        if match := _PAIR.match(line):
            first, second = sorted((match[1], match[2]))
            pairs.append((first, second, "boilerplate" in match[3]))
    return pairs


def test_no_code_in_kino_is_repeated_but_projection_dispatch_and_listed_look_alikes():
    accepted = set().union(*LOOK_ALIKES.values())
    repeated = [
        f"{first} ~ {second}"
        for first, second, boilerplate in reported_pairs()
        if (first, second) not in accepted
        and not (
            boilerplate and first.startswith("projections/") and second.startswith("projections/")
        )
    ]
    assert repeated == []
