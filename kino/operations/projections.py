"""`kino projections status` and `kino projections rebuild NAME|--all`."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from kino.bootstrap import PROJECTIONS, ProjectionTools, projection_spec
from kino.projections.generations import generation_name
from kino.projections.rebuild import RebuildResult, rebuild
from kino.projections.runner import ProjectionSpec

console = Console(stderr=False)
READ_MODELS = tuple(spec for spec in PROJECTIONS if not spec.policy)


def lag_seconds(tools: ProjectionTools, spec: ProjectionSpec, position: int) -> float:
    """Age of the oldest event the projection has not processed yet (0 when caught up)."""
    app = spec.application_class(env=tools.env)
    try:
        pending = app.recorder.select_notifications(start=position + 1, limit=1)
        if not pending:
            return 0.0
        event = app.mapper.to_domain_event(pending[0])
        timestamp: datetime = getattr(event, "timestamp", datetime.now(UTC))
        return max(0.0, (datetime.now(UTC) - timestamp).total_seconds())
    finally:
        app.close()


def status_rows(tools: ProjectionTools) -> list[dict[str, object]]:
    rows = []
    for spec in READ_MODELS:
        state = tools.generations.get(spec.name)
        view = tools.view(spec, generation_name(spec.name, state.live))
        app = spec.application_class(env=tools.env)
        try:
            head = int(app.recorder.max_notification_id() or 0)
        finally:
            app.close()
        position = view.max_tracking_id(spec.application_class.name) or 0
        rows.append(
            {
                "projection": spec.name,
                "application": spec.application_class.name,
                "generation": state.live,
                "position": position,
                "head": head,
                "lag_events": max(0, head - position),
                "lag_seconds": round(lag_seconds(tools, spec, position), 3),
                "rebuilding": state.building,
            }
        )
    return rows


def print_status(tools: ProjectionTools) -> int:
    table = Table(title="Kino projections")
    for column in (
        "projection",
        "application",
        "generation",
        "position",
        "head",
        "lag (events)",
        "lag (s)",
        "rebuild",
    ):
        table.add_column(column, justify="right" if column[0] in "pghl" else "left")
    for row in status_rows(tools):
        building = row["rebuilding"]
        table.add_row(
            str(row["projection"]),
            str(row["application"]),
            f"g{row['generation']}",
            str(row["position"]),
            str(row["head"]),
            str(row["lag_events"]),
            f"{row['lag_seconds']:.1f}",
            f"g{building} running" if building is not None else "—",
        )
    console.print(table)
    return 0


class RateProgress:
    """A rich progress bar fed with (position, head): events/s and ETA."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self.progress, self.task = progress, task
        self.started = time.monotonic()
        self.first: int | None = None

    def __call__(self, position: int, head: int) -> None:
        if self.first is None:
            self.first = position
        elapsed = max(time.monotonic() - self.started, 1e-6)
        rate = (position - self.first) / elapsed
        self.progress.update(
            self.task, completed=position, total=max(head, 1), rate=f"{rate:,.0f} events/s"
        )


def run_rebuild(tools: ProjectionTools, names: list[str]) -> int:
    specs = READ_MODELS if not names else tuple(projection_spec(name) for name in names)
    processes = [spec.name for spec in specs if spec.policy]
    if processes:
        console.print(
            f"kino: {', '.join(processes)} record events of their own (a process, "
            "not a read model) and are never rebuilt"
        )
        return 2
    results: list[RebuildResult] = []
    columns = (
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,}/{task.total:,}"),
        TextColumn("{task.fields[rate]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console) as progress:
        for spec in specs:
            task = progress.add_task(spec.name, total=1, rate="")
            results.append(
                rebuild(
                    spec,
                    generations=tools.generations,
                    make_view=lambda name, s=spec: tools.view(s, name),  # type: ignore[misc]
                    env=tools.env,
                    progress=RateProgress(progress, task),
                )
            )
    for result in results:
        verb = "resumed and finished" if result.resumed else "rebuilt"
        rate = result.events / result.seconds if result.seconds else 0.0
        console.print(
            f"{result.name}: {verb} g{result.new_generation} (was g{result.old_generation}),"
            f" {result.events:,} events in {result.seconds:.1f} s ({rate:,.0f} events/s)"
        )
    return 0
