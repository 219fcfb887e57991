"""Where a subscriber's missing messages were: the evidence to explain a loss, not a check.

For each subscriber that missed messages, the runs of missing ids (as positions in the event
store's order of the room) next to that subscriber's own log of sessions and history reads;
all of it goes to a file, the first few to the console.
"""

from __future__ import annotations

from pathlib import Path

from bench.chaos.subscribers import Subscriber

SHOWN = 3


def missing_runs(store_order: list[str], received: list[str]) -> list[tuple[int, int]]:
    """Runs (first, last position in the store's order) of ids after the subscriber's first
    message that it never got."""
    if not received or received[0] not in store_order:
        return []
    got = set(received)
    runs: list[tuple[int, int]] = []
    for position in range(store_order.index(received[0]), len(store_order)):
        if store_order[position] in got:
            continue
        if runs and runs[-1][1] == position - 1:
            runs[-1] = (runs[-1][0], position)
        else:
            runs.append((position, position))
    return runs


def describe(store_order: list[str], subscriber: Subscriber) -> list[str]:
    runs = missing_runs(store_order, subscriber.received)
    if not runs:
        return []
    lines = [f"subscriber {subscriber.number}: missing positions {runs[:20]}"]
    for first, last in runs[:20]:
        before = store_order[first - 1] if first > 0 else "-"
        after = store_order[last + 1] if last + 1 < len(store_order) else "-"
        lines.append(f"  run {first}..{last}: after {before}, before {after}")
    lines += [f"  {line}" for line in subscriber.log]
    return lines


def report(store_order: list[str], subscribers: list[Subscriber], path: Path) -> None:
    """The subscribers that missed messages first, then every other one's log."""
    described = [lines for s in subscribers if (lines := describe(store_order, s))]
    others = [
        [f"subscriber {s.number}: missed nothing", *(f"  {line}" for line in s.log)]
        for s in subscribers
        if not missing_runs(store_order, s.received)
    ]
    path.write_text("\n".join(line for lines in described + others for line in lines) + "\n")
    if described:
        print(f"{len(described)} subscribers missed messages; all of it in {path}")
    for lines in described[:SHOWN]:
        print("\n".join(lines[:60]))
