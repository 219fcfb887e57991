"""Settings: every ``KINO_*`` variable, read once from the environment, validated.

Nothing else in Kino reads ``os.environ``. ``Settings.from_env()`` raises
``SettingsError`` naming the variable and what is wrong with it.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A configuration variable has a value Kino cannot use."""


@dataclass(frozen=True)
class S3Settings:
    endpoint: str
    access_key: str
    secret_key: str
    bucket: str
    secure: bool


@dataclass(frozen=True)
class VideoSettings:
    """Uploads and transcoding (KINO_UPLOAD_*, KINO_VIDEO_MAX_SECONDS, KINO_TRANSCODE_*)."""

    max_upload_bytes: int = 2**31 - 1
    upload_ttl_seconds: int = 3600
    max_duration_seconds: int = 12 * 3600
    slots: int = 2  # jobs one transcoder process runs at once
    long_seconds: int = 600  # longer videos move to the long lane (at most slots - 1 of them)
    probe_timeout_seconds: int = 30
    attempts: int = 3
    ack_wait_seconds: int = 60
    transcode_timeout_seconds: int = 6 * 3600
    preset: str = "veryfast"


@dataclass(frozen=True)
class OIDCProviderSettings:
    name: str
    issuer: str
    client_id: str
    client_secret: str


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
        reader = _Reader(env)
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
            s3=_read_s3(reader),
            rtmp_port=reader.port("KINO_RTMP_PORT", 1935),
            otel_endpoint=reader.optional_url("OTEL_EXPORTER_OTLP_ENDPOINT", ("http", "https")),
            metrics_port=reader.port("KINO_METRICS_PORT", 0)
            if reader.text("KINO_METRICS_PORT", "")
            else None,
            metrics_host=reader.text("KINO_METRICS_HOST", "0.0.0.0"),  # noqa: S104 - see above
            oidc_providers=_read_oidc(reader),
            videos=_read_videos(reader),
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


def _read_s3(reader: _Reader) -> S3Settings | None:
    endpoint = reader.text("KINO_S3_ENDPOINT", "")
    if not endpoint:
        return None
    missing = [
        name
        for name in ("KINO_S3_ACCESS_KEY", "KINO_S3_SECRET_KEY", "KINO_S3_BUCKET")
        if not reader.text(name, "")
    ]
    if missing:
        raise SettingsError(f"KINO_S3_ENDPOINT is set, so {', '.join(missing)} must be set too")
    return S3Settings(
        endpoint=endpoint,
        access_key=reader.text("KINO_S3_ACCESS_KEY", ""),
        secret_key=reader.text("KINO_S3_SECRET_KEY", ""),
        bucket=reader.text("KINO_S3_BUCKET", ""),
        secure=reader.boolean("KINO_S3_SECURE", True),
    )


def _read_videos(reader: _Reader) -> VideoSettings:
    return VideoSettings(
        max_upload_bytes=reader.integer("KINO_UPLOAD_MAX_BYTES", 2**31 - 1, 1, 2**31 - 1),
        upload_ttl_seconds=reader.integer("KINO_UPLOAD_TTL", 3600, 60, 7 * 24 * 3600),
        max_duration_seconds=reader.integer(
            "KINO_VIDEO_MAX_SECONDS",
            reader.integer("KINO_TRANSCODE_MAX_DURATION", 12 * 3600, 1, 48 * 3600),  # older name
            1,
            48 * 3600,
        ),
        slots=reader.integer("KINO_TRANSCODE_SLOTS", 2, 1, 64),
        long_seconds=reader.integer("KINO_TRANSCODE_LONG_SECONDS", 600, 1, 48 * 3600),
        probe_timeout_seconds=reader.integer("KINO_TRANSCODE_PROBE_TIMEOUT", 30, 1, 600),
        attempts=reader.integer("KINO_TRANSCODE_ATTEMPTS", 3, 1, 20),
        ack_wait_seconds=reader.integer("KINO_TRANSCODE_ACK_WAIT", 60, 2, 3600),
        transcode_timeout_seconds=reader.integer("KINO_TRANSCODE_TIMEOUT", 6 * 3600, 10, 48 * 3600),
        preset=reader.choice(
            "KINO_TRANSCODE_PRESET",
            "veryfast",
            ("ultrafast", "superfast", "veryfast", "faster", "fast", "medium"),
        ),
    )


def _read_oidc(reader: _Reader) -> tuple[OIDCProviderSettings, ...]:
    providers = []
    for name in reader.csv("KINO_OIDC_PROVIDERS"):
        if not name.replace("_", "").isalnum():
            raise SettingsError(f"KINO_OIDC_PROVIDERS: {name!r} is not a valid provider name")
        key = name.upper()
        values = {}
        for part in ("ISSUER", "CLIENT_ID", "CLIENT_SECRET"):
            variable = f"KINO_OIDC_{key}_{part}"
            values[part] = reader.text(variable, "")
            if not values[part]:
                raise SettingsError(f"{variable} must be set for OIDC provider {name!r}")
        issuer = reader.url(f"KINO_OIDC_{key}_ISSUER", "", ("http", "https"))
        providers.append(
            OIDCProviderSettings(
                name=name.lower(),
                issuer=issuer.rstrip("/"),
                client_id=values["CLIENT_ID"],
                client_secret=values["CLIENT_SECRET"],
            )
        )
    return tuple(providers)


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


class _Reader:
    def __init__(self, env: Mapping[str, str]) -> None:
        self._env = env

    def text(self, name: str, default: str) -> str:
        return self._env.get(name, default).strip()

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        raw = self.text(name, "")
        if not raw:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
        if not low <= value <= high:
            raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
        return value

    def port(self, name: str, default: int) -> int:
        return self.integer(name, default, 1, 65535)

    def boolean(self, name: str, default: bool) -> bool:
        raw = self.text(name, "").lower()
        if not raw:
            return default
        if raw in ("1", "true", "yes", "on"):
            return True
        if raw in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{name} must be true or false, got {raw!r}")

    def choice(self, name: str, default: str, allowed: tuple[str, ...], upper: bool = False) -> str:
        raw = self.text(name, "") or default
        value = raw.upper() if upper else raw.lower()
        if value not in allowed:
            raise SettingsError(f"{name} must be one of {', '.join(allowed)}, got {raw!r}")
        return value

    def identifier(self, name: str, default: str) -> str:
        value = self.text(name, "") or default
        if not value.replace("_", "").replace("-", "").isalnum() or len(value) > 40:
            raise SettingsError(f"{name} must be letters, digits, '-' or '_', got {value!r}")
        return value

    def csv(self, name: str) -> tuple[str, ...]:
        return tuple(part.strip() for part in self.text(name, "").split(",") if part.strip())

    def url(self, name: str, default: str, schemes: tuple[str, ...]) -> str:
        raw = self.text(name, "") or default
        parts = urlsplit(raw)
        if parts.scheme not in schemes or not (parts.netloc or parts.path):
            raise SettingsError(
                f"{name} must be a URL starting with {' or '.join(s + '://' for s in schemes)}"
                f", got {_redact(raw)!r}"
            )
        return raw

    def optional_url(self, name: str, schemes: tuple[str, ...]) -> str | None:
        return self.url(name, "", schemes) if self.text(name, "") else None


def _redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password:
        return url.replace(parts.password, "***")
    return url
