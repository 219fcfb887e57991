"""`kino projections status` and `kino projections rebuild NAME|--all`."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from functools import partial

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskID, TextColumn, TimeRemainingColumn
from rich.table import Table

from kino.bootstrap import READ_MODELS, ProjectionTools, projection_spec
from kino.infrastructure.eventstore import psycopg_conninfo
from kino.infrastructure.projection_health import ProjectionHealthStore, StoredHealth
from kino.projections.generations import generation_name
from kino.projections.rebuild import RebuildResult, rebuild
from kino.projections.specs import ProjectionSpec
from kino.projections.view import ReadModelView

console = Console(stderr=False)


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


def stored_health(tools: ProjectionTools) -> dict[str, StoredHealth]:
    store = ProjectionHealthStore(psycopg_conninfo(tools.endpoints.database_url))
    return {row.name: row for row in store.load()}


def health_word(health: StoredHealth | None) -> str:
    if health is None:
        return "not reported"
    if health.failing:
        return "FAILING"
    return "no projector" if health.stale else "ok"


def health_line(health: StoredHealth, now: datetime) -> str | None:
    """What an operator needs about a projection in trouble: since when, and why."""
    if health.failing and health.failing_since is not None:
        since = health.failing_since.astimezone(UTC)
        lasted = int((now - since).total_seconds())
        return (
            f"{health.name}: failing since {since:%Y-%m-%d %H:%M:%S} UTC ({lasted} s,"
            f" {health.failures} failures in a row): {health.last_error or 'no error recorded'}"
        )
    if health.stale:
        return (
            f"{health.name}: no projector has reported it for "
            f"{health.reported_seconds_ago:.0f} s (is `kino projector` running?)"
        )
    return None


def view_position(view: ReadModelView, application: str) -> int | None:
    """None when the read model's store does not answer (Redis down, a damaged key)."""
    try:
        return view.max_tracking_id(application) or 0
    except Exception:  # noqa: BLE001 - the status is wanted most when something is broken
        return None


def status_rows(
    tools: ProjectionTools, health: dict[str, StoredHealth] | None = None
) -> list[dict[str, object]]:
    health = stored_health(tools) if health is None else health
    rows = []
    for spec in READ_MODELS:
        state = tools.generations.get(spec.name)
        view = tools.view(spec, generation_name(spec.name, state.live))
        app = spec.application_class(env=tools.env)
        try:
            head = int(app.recorder.max_notification_id() or 0)
        finally:
            app.close()
        position = view_position(view, spec.application_class.name)
        lag: tuple[object, float | None] = ("?", None)
        if position is not None:
            lag = (max(0, head - position), round(lag_seconds(tools, spec, position), 3))
        rows.append(
            {
                "projection": spec.name,
                "application": spec.application_class.name,
                "generation": state.live,
                "position": "unreadable" if position is None else position,
                "head": head,
                "lag_events": lag[0],
                "lag_seconds": lag[1],
                "rebuilding": state.building,
                "health": health_word(health.get(spec.name)),
            }
        )
    return rows


def print_status(tools: ProjectionTools) -> int:
    health = stored_health(tools)
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
        "health",
    ):
        numeric = column[0] in "pghl" and column != "health"
        table.add_column(column, justify="right" if numeric else "left")
    for row in status_rows(tools, health):
        building = row["rebuilding"]
        table.add_row(
            str(row["projection"]),
            str(row["application"]),
            f"g{row['generation']}",
            str(row["position"]),
            str(row["head"]),
            str(row["lag_events"]),
            "?" if row["lag_seconds"] is None else f"{row['lag_seconds']:.1f}",
            f"g{building} running" if building is not None else "—",
            str(row["health"]),
        )
    console.print(table)
    now = datetime.now(UTC)
    for line in filter(None, (health_line(h, now) for h in health.values())):
        console.print(line, markup=False, highlight=False)
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
    chosen = READ_MODELS if not names else tuple(projection_spec(name) for name in names)
    specs = [spec for spec in chosen if isinstance(spec, ProjectionSpec)]
    processes = [spec.name for spec in chosen if not isinstance(spec, ProjectionSpec)]
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
                    make_view=partial(tools.view, spec),
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
