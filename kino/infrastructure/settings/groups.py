"""The settings that come in groups, each with its reader: the S3 object store (KINO_S3_*),
uploads and transcoding (KINO_UPLOAD_*, KINO_VIDEO_MAX_SECONDS, KINO_TRANSCODE_*), going live
(KINO_LIVE_*, KINO_INGEST_ID) and the OpenID Connect providers (KINO_OIDC_*)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from kino.infrastructure.settings.reader import EnvReader, SettingsError


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

    max_upload_bytes: int = 20 * 2**30  # KINO_UPLOAD_MAX_BYTES
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
class LiveSettings:
    """The live ladder and the ingest (KINO_LIVE_*, KINO_INGEST_ID; the port is rtmp_port)."""

    segment_seconds: int = 1
    reconnect_seconds: int = 30
    ladder: tuple[int, ...] = (720, 480, 360)  # rung heights, capped at the source's
    ingest_id: str = "ingest"  # which ingest holds a stream (the event store records it)


@dataclass(frozen=True)
class OIDCProviderSettings:
    name: str
    issuer: str
    client_id: str
    client_secret: str


def read_s3(reader: EnvReader) -> S3Settings | None:
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


def read_videos(reader: EnvReader) -> VideoSettings:
    return VideoSettings(
        max_upload_bytes=reader.integer("KINO_UPLOAD_MAX_BYTES", 20 * 2**30, 1, 5 * 2**40),
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


def read_live(reader: EnvReader, hostname: str) -> LiveSettings:
    ladder = []
    for item in reader.csv("KINO_LIVE_LADDER") or ("720", "480", "360"):
        if not item.isdigit() or not 90 <= int(item) <= 2160:
            raise SettingsError(f"KINO_LIVE_LADDER: {item!r} is not a height from 90 to 2160")
        ladder.append(int(item) // 2 * 2)
    if len(ladder) > 5:
        raise SettingsError("KINO_LIVE_LADDER: at most 5 rungs")
    return LiveSettings(
        segment_seconds=reader.integer("KINO_LIVE_SEGMENT_SECONDS", 1, 1, 10),
        reconnect_seconds=reader.integer("KINO_LIVE_RECONNECT_SECONDS", 30, 1, 3600),
        ladder=tuple(sorted(set(ladder), reverse=True)),
        ingest_id=reader.identifier(
            "KINO_INGEST_ID", re.sub(r"[^A-Za-z0-9_-]", "-", hostname)[:40]
        ),
    )


def read_oidc(reader: EnvReader) -> tuple[OIDCProviderSettings, ...]:
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
