"""`kino events tail|show|replay`: read the event store (only scratch models are written)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import Notification, Tracking
from rich.console import Console

from kino.bootstrap import APPLICATIONS, ProjectionTools, read_model_spec

console = Console(highlight=False)
SECRET_MARKERS = ("password", "hash", "token", "secret", "verifier", "api_key")
_ENVELOPE = {"originator_id", "originator_version", "timestamp", "originator_topic"}


@dataclass(frozen=True)
class EventLine:
    position: int
    application: str
    event: Any

    def render(self, width: int = 100) -> str:
        when = getattr(self.event, "timestamp", None)
        stamp = when.isoformat(timespec="milliseconds") if isinstance(when, datetime) else "?"
        kind = type(self.event).__qualname__
        payload = short_payload(self.event, width)
        return (
            f"{self.position:>8}  {stamp}  {self.application:<9} "
            f"{self.event.originator_id}  v{self.event.originator_version:<3} {kind:<28} "
            f"{payload}"
        )


def redact(fields: dict[str, Any]) -> dict[str, Any]:
    """No secrets in an operator's terminal: hashes, tokens and keys are masked."""
    return {
        k: "***" if any(m in k.lower() for m in SECRET_MARKERS) and v else v
        for k, v in fields.items()
    }


def short_payload(event: Any, width: int) -> str:
    fields = {k: v for k, v in vars(event).items() if k not in _ENVELOPE}
    text = json.dumps(redact(fields), default=str, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def applications(tools: ProjectionTools, name: str | None) -> list[Application[Any]]:
    classes = [cls for cls in APPLICATIONS if name is None or cls.name == name]
    if not classes:
        known = ", ".join(cls.name for cls in APPLICATIONS)
        raise SystemExit(f"kino: unknown application {name!r}; the applications are: {known}")
    return [cls(env=tools.env) for cls in classes]


def notifications(
    app: Application[Any], start: int, stop: int | None = None
) -> Iterator[Notification]:
    while True:
        page = app.recorder.select_notifications(start=start, limit=500, stop=stop)
        yield from page
        if len(page) < 500:
            return
        start = page[-1].id + 1


def tail(tools: ProjectionTools, app_name: str | None, limit: int, follow: bool) -> int:
    apps = applications(tools, app_name)
    positions: dict[str, int] = {}
    lines: list[EventLine] = []
    for app in apps:
        head = int(app.recorder.max_notification_id() or 0)
        positions[app.name] = head
        for notification in notifications(app, max(1, head - limit + 1)):
            lines.append(
                EventLine(notification.id, app.name, app.mapper.to_domain_event(notification))
            )
    for line in sorted(lines, key=lambda item: item.event.timestamp)[-limit:]:
        console.print(line.render())
    console.file.flush()  # piped into grep or less, lines must still appear at once
    while follow:
        time.sleep(0.5)
        fresh: list[EventLine] = []
        for app in apps:
            for notification in notifications(app, positions[app.name] + 1):
                positions[app.name] = notification.id
                fresh.append(
                    EventLine(notification.id, app.name, app.mapper.to_domain_event(notification))
                )
        for line in sorted(fresh, key=lambda item: item.event.timestamp):
            console.print(line.render())
        console.file.flush()
    for app in apps:
        app.close()
    return 0


def state_of(aggregate: Any) -> dict[str, Any]:
    return redact({k: v for k, v in vars(aggregate).items() if not k.startswith("_")})


def show(tools: ProjectionTools, aggregate_id: str, at_version: int | None) -> int:
    try:
        originator = UUID(aggregate_id)
    except ValueError:
        console.print(f"kino: {aggregate_id!r} is not an aggregate id (a UUID)")
        return 2
    for app in applications(tools, None):
        try:
            events = list(app.events.get(originator))
            if not events:
                continue
            console.print(
                f"[bold]{aggregate_id}[/bold] in application {app.name!r}: {len(events)} events"
            )
            for event in events:
                stamp = getattr(event, "timestamp", datetime.min).isoformat(timespec="milliseconds")
                console.print(
                    f"  v{event.originator_version:<4} {stamp}  "
                    f"{type(event).__qualname__:<28} {short_payload(event, 120)}"
                )
            version = at_version or events[-1].originator_version
            if not 1 <= version <= events[-1].originator_version:
                console.print(
                    f"kino: version {version} does not exist (1..{events[-1].originator_version})"
                )
                return 2
            aggregate: Any = app.repository.get(originator, version=version)
            console.print(f"state at version {version}:")
            console.print(
                json.dumps(state_of(aggregate), default=str, indent=2, ensure_ascii=False)
            )
            return 0
        except AggregateNotFoundError:
            continue
        finally:
            app.close()
    console.print(f"kino: no aggregate {aggregate_id} in any application")
    return 1


def replay(tools: ProjectionTools, app_name: str, start: int, stop: int, into: str) -> int:
    spec = read_model_spec(into)
    if spec.application_class.name != app_name:
        console.print(
            f"kino: projection {into!r} follows {spec.application_class.name!r}, not {app_name!r}"
        )
        return 2
    scratch = f"{spec.name}_scratch"
    tools.view(spec, scratch).drop()
    view = tools.view(spec, scratch)
    projection = spec.projection_class(view=view)
    (app,) = applications(tools, app_name)
    count = 0
    try:
        for notification in notifications(app, start, stop):
            projection.process_event(
                app.mapper.to_domain_event(notification), Tracking(app.name, notification.id)
            )
            count += 1
    finally:
        app.close()
    console.print(
        f"replayed {count} events ({start}..{stop}) of {app_name!r} into "
        f"scratch read model {scratch!r}: {view.location()}"
    )
    return 0
