"""Where the servers are: configured ones, else the embedded ones ``kino dev`` started."""

from __future__ import annotations

from dataclasses import dataclass

from kino.infrastructure.embedded import read_state
from kino.infrastructure.settings import Settings, SettingsError


@dataclass(frozen=True)
class Endpoints:
    database_url: str
    redis_url: str
    nats_url: str


def resolve_endpoints(settings: Settings) -> Endpoints:
    """Configured servers, else the embedded ones that ``kino dev`` started."""
    if not settings.embedded:
        assert settings.database_url
        assert settings.redis_url
        assert settings.nats_url
        return Endpoints(settings.database_url, settings.redis_url, settings.nats_url)
    state = read_state(settings.data_dir)
    if state is None:
        raise SettingsError(
            "No servers are configured and no embedded ones are running under "
            f"{settings.data_dir}: start `kino dev`, or set KINO_DATABASE_URL, "
            "KINO_REDIS_URL and KINO_NATS_URL."
        )
    return Endpoints(
        settings.database_url or state.database_url,
        settings.redis_url or state.redis_url,
        settings.nats_url or state.nats_url,
    )


def redis_prefix(settings: Settings, name: str) -> str:
    return f"{settings.redis_namespace}:{name}"
