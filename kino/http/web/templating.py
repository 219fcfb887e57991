"""Jinja for the pages (autoescaped: whatever a user typed renders as text), with the few
formatting filters the templates use."""

from __future__ import annotations

from datetime import UTC, datetime

from jinja2 import Environment
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from kino.http.web.assets import TEMPLATES


def duration(seconds: float | None) -> str:
    """``1:05:09``, ``4:07``, or an empty string when unknown."""
    if seconds is None:
        return ""
    total = round(seconds)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02}:{secs:02}" if hours else f"{minutes}:{secs:02}"


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """``3 days ago``: how long ago, in the largest whole unit."""
    if moment is None:
        return ""
    seconds = max(0, int(((now or datetime.now(UTC)) - moment).total_seconds()))
    for unit, size in (
        ("year", 31_536_000),
        ("month", 2_592_000),
        ("day", 86_400),
        ("hour", 3_600),
        ("minute", 60),
    ):
        if seconds >= size:
            count = seconds // size
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def count(number: int, noun: str) -> str:
    """``1 view``, ``1,204 views``."""
    return f"{number:,} {noun}{'' if number == 1 else 's'}"


def iso(moment: datetime | None) -> str:
    return moment.isoformat() if moment else ""


def _add_filters(engine: JinjaTemplateEngine) -> None:
    environment: Environment = engine.engine
    environment.filters.update(duration=duration, ago=ago, count=count, iso=iso)
    environment.trim_blocks = True
    environment.lstrip_blocks = True


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_add_filters
    )
