"""``Settings``: everything one Kino process is configured with, read by ``from_env``."""

from __future__ import annotations

import os
import secrets
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from kino.infrastructure.settings.groups import (
    LiveSettings,
    OIDCProviderSettings,
    S3Settings,
    VideoSettings,
    read_live,
    read_oidc,
    read_s3,
    read_videos,
)
from kino.infrastructure.settings.reader import EnvReader, SettingsError


@dataclass(frozen=True)
class Settings:
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_url: str = "http://127.0.0.1:8000"
    data_dir: Path = Path(".kino")
    database_url: str | None = None
    redis_url: str | None = None
    redis_namespace: str = "kino"
    nats_url: str | None = None
    s3: S3Settings | None = None
    rtmp_port: int = 1935
    metrics_port: int | None = None
    metrics_host: str = "0.0.0.0"  # noqa: S104 - a pod's metrics port is scraped from outside it
    otel_endpoint: str | None = None
    oidc_providers: tuple[OIDCProviderSettings, ...] = ()
    videos: VideoSettings = field(default_factory=VideoSettings)
    live: LiveSettings = field(default_factory=LiveSettings)
    oauth_redirect_extras: tuple[str, ...] = ()
    secret_key: str = field(default="", repr=False)
    access_token_ttl_seconds: int = 900
    refresh_token_ttl_seconds: int = 30 * 24 * 3600
    graphql_introspection: bool = True
    graphql_ide: bool = True
    graphql_max_depth: int = 12
    graphql_max_aliases: int = 30
    graphql_max_tokens: int = 2000
    graphql_max_cost: int = 10_000  # fields one operation may resolve, page sizes multiplied in
    login_failures_per_minute: int = 30
    chat_rate_limit: int = 20
    chat_rate_window_seconds: int = 30
    comments_per_minute: int = 10
    log_format: str = "auto"
    log_level: str = "INFO"
    environment: str = "development"
    debug_hooks: bool = False  # tests only: SIGUSR1 blocks a process's loop (debug_hooks.py)

    @property
    def embedded(self) -> bool:
        return self.database_url is None or self.redis_url is None or self.nats_url is None

    @property
    def public_origin(self) -> str:
        parts = urlsplit(self.public_url)
        return f"{parts.scheme}://{parts.netloc}"

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some fields changed: ``dataclasses.replace``, which checks the names
        when it runs (call ``replace`` itself where mypy should check the values)."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        reader = EnvReader(env)
        host = reader.text("KINO_HTTP_HOST", "127.0.0.1")
        port = reader.port("KINO_HTTP_PORT", 8000)
        public_url = reader.url("KINO_PUBLIC_URL", f"http://{host}:{port}", ("http", "https"))
        data_dir = Path(reader.text("KINO_DATA_DIR", ".kino")).expanduser().resolve()
        environment = reader.choice("KINO_ENV", "development", ("development", "production"))
        production = environment == "production"
        settings = cls(
            http_host=host,
            http_port=port,
            public_url=public_url.rstrip("/"),
            data_dir=data_dir,
            database_url=reader.optional_url("KINO_DATABASE_URL", ("postgresql", "postgres")),
            redis_url=reader.optional_url("KINO_REDIS_URL", ("redis", "rediss", "unix")),
            redis_namespace=reader.identifier("KINO_REDIS_NAMESPACE", "kino"),
            nats_url=reader.optional_url("KINO_NATS_URL", ("nats", "tls")),
            s3=read_s3(reader),
            rtmp_port=reader.port("KINO_RTMP_PORT", 1935),
            otel_endpoint=reader.optional_url("OTEL_EXPORTER_OTLP_ENDPOINT", ("http", "https")),
            metrics_port=reader.port("KINO_METRICS_PORT", 0)
            if reader.text("KINO_METRICS_PORT", "")
            else None,
            metrics_host=reader.text("KINO_METRICS_HOST", "0.0.0.0"),  # noqa: S104 - see above
            oidc_providers=read_oidc(reader),
            videos=read_videos(reader),
            live=read_live(reader, socket.gethostname()),
            oauth_redirect_extras=reader.csv("KINO_OAUTH_REDIRECT_EXTRAS"),
            secret_key=reader.text("KINO_SECRET_KEY", "") or _data_dir_secret(data_dir),
            access_token_ttl_seconds=reader.integer("KINO_ACCESS_TOKEN_TTL", 900, 30, 3600),
            refresh_token_ttl_seconds=reader.integer(
                "KINO_REFRESH_TOKEN_TTL", 30 * 24 * 3600, 300, 365 * 24 * 3600
            ),
            graphql_introspection=reader.boolean("KINO_GRAPHQL_INTROSPECTION", not production),
            graphql_ide=reader.boolean("KINO_GRAPHQL_IDE", not production),
            graphql_max_depth=reader.integer("KINO_GRAPHQL_MAX_DEPTH", 12, 2, 100),
            graphql_max_aliases=reader.integer("KINO_GRAPHQL_MAX_ALIASES", 30, 0, 1000),
            graphql_max_tokens=reader.integer("KINO_GRAPHQL_MAX_TOKENS", 2000, 100, 100_000),
            graphql_max_cost=reader.integer("KINO_GRAPHQL_MAX_COST", 10_000, 10, 10_000_000),
            login_failures_per_minute=reader.integer(
                "KINO_LOGIN_FAILURES_PER_MINUTE", 30, 1, 10000
            ),
            chat_rate_limit=reader.integer("KINO_CHAT_RATE_LIMIT", 20, 1, 100000),
            chat_rate_window_seconds=reader.integer("KINO_CHAT_RATE_WINDOW", 30, 1, 3600),
            comments_per_minute=reader.integer("KINO_COMMENTS_PER_MINUTE", 10, 1, 10000),
            log_format=reader.choice("KINO_LOG_FORMAT", "auto", ("auto", "json", "console")),
            log_level=reader.choice(
                "KINO_LOG_LEVEL", "INFO", ("DEBUG", "INFO", "WARNING", "ERROR"), upper=True
            ),
            environment=environment,
            debug_hooks=reader.boolean("KINO_DEBUG_HOOKS", False),
        )
        if len(settings.secret_key) < 32:
            raise SettingsError("KINO_SECRET_KEY must be at least 32 characters long")
        if settings.debug_hooks and production:
            raise SettingsError("KINO_DEBUG_HOOKS is for tests only: it cannot be on in production")
        return settings


def _data_dir_secret(data_dir: Path) -> str:
    """A per-installation signing key, created once under the data directory."""
    path = data_dir / "secret_key"
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(48)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key
    except FileExistsError:  # pragma: no cover - a concurrent first start
        return path.read_text().strip()
