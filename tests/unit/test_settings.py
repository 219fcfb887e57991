from __future__ import annotations

from pathlib import Path

import pytest

from kino.infrastructure.settings import Settings, SettingsError

SECRET = {"KINO_SECRET_KEY": "k" * 40}


def test_defaults_follow_the_contract(tmp_path: Path):
    settings = Settings.from_env({"KINO_DATA_DIR": str(tmp_path), **SECRET})
    assert (settings.http_host, settings.http_port) == ("127.0.0.1", 8000)
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.embedded and settings.s3 is None and settings.rtmp_port == 1935
    assert settings.oidc_providers == ()


def test_public_url_follows_host_and_port(tmp_path: Path):
    env = {"KINO_DATA_DIR": str(tmp_path), "KINO_HTTP_HOST": "0.0.0.0", "KINO_HTTP_PORT": "9000"}
    settings = Settings.from_env({**env, **SECRET})
    assert settings.public_url == "http://0.0.0.0:9000"
    assert settings.public_origin == "http://0.0.0.0:9000"


def test_a_secret_key_is_created_once_per_data_dir(tmp_path: Path):
    first = Settings.from_env({"KINO_DATA_DIR": str(tmp_path)})
    second = Settings.from_env({"KINO_DATA_DIR": str(tmp_path)})
    assert len(first.secret_key) >= 32 and first.secret_key == second.secret_key
    assert oct((tmp_path / "secret_key").stat().st_mode & 0o777) == "0o600"


@pytest.mark.parametrize(
    ("env", "mentions"),
    [
        ({"KINO_HTTP_PORT": "eighty"}, "KINO_HTTP_PORT"),
        ({"KINO_HTTP_PORT": "70000"}, "between 1 and 65535"),
        ({"KINO_RTMP_PORT": "0"}, "KINO_RTMP_PORT"),
        ({"KINO_PUBLIC_URL": "ftp://x"}, "KINO_PUBLIC_URL"),
        ({"KINO_DATABASE_URL": "mysql://x/y"}, "KINO_DATABASE_URL"),
        ({"KINO_REDIS_URL": "http://x"}, "KINO_REDIS_URL"),
        ({"KINO_NATS_URL": "redis://x"}, "KINO_NATS_URL"),
        ({"KINO_S3_ENDPOINT": "minio:9000"}, "KINO_S3_ACCESS_KEY"),
        (
            {
                "KINO_S3_ENDPOINT": "m:9",
                "KINO_S3_ACCESS_KEY": "a",
                "KINO_S3_SECRET_KEY": "b",
                "KINO_S3_BUCKET": "c",
                "KINO_S3_SECURE": "maybe",
            },
            "KINO_S3_SECURE",
        ),
        ({"KINO_OIDC_PROVIDERS": "gitlab"}, "KINO_OIDC_GITLAB_ISSUER"),
        ({"KINO_SECRET_KEY": "short"}, "at least 32"),
        ({"KINO_LOG_LEVEL": "LOUD"}, "KINO_LOG_LEVEL"),
        ({"KINO_REDIS_NAMESPACE": "a b"}, "KINO_REDIS_NAMESPACE"),
    ],
)
def test_bad_values_name_the_variable(tmp_path: Path, env: dict[str, str], mentions: str):
    with pytest.raises(SettingsError) as error:
        Settings.from_env({"KINO_DATA_DIR": str(tmp_path), **SECRET, **env})
    assert mentions in str(error.value)


def test_passwords_in_urls_are_not_echoed(tmp_path: Path):
    with pytest.raises(SettingsError) as error:
        Settings.from_env(
            {"KINO_DATA_DIR": str(tmp_path), **SECRET, "KINO_DATABASE_URL": "mysql://u:hunter2@h/d"}
        )
    assert "hunter2" not in str(error.value)


def test_configured_servers_and_oidc_providers(tmp_path: Path):
    settings = Settings.from_env(
        {
            "KINO_DATA_DIR": str(tmp_path),
            **SECRET,
            "KINO_DATABASE_URL": "postgresql://u@db/kino",
            "KINO_REDIS_URL": "redis://cache:6379/0",
            "KINO_NATS_URL": "nats://bus:4222",
            "KINO_OIDC_PROVIDERS": "gitlab, Keycloak",
            "KINO_OIDC_GITLAB_ISSUER": "https://gitlab.example/",
            "KINO_OIDC_GITLAB_CLIENT_ID": "id1",
            "KINO_OIDC_GITLAB_CLIENT_SECRET": "s1",
            "KINO_OIDC_KEYCLOAK_ISSUER": "https://kc.example/realms/k",
            "KINO_OIDC_KEYCLOAK_CLIENT_ID": "id2",
            "KINO_OIDC_KEYCLOAK_CLIENT_SECRET": "s2",
        }
    )
    assert not settings.embedded
    assert [p.name for p in settings.oidc_providers] == ["gitlab", "keycloak"]
    assert settings.oidc_providers[0].issuer == "https://gitlab.example"


def test_video_length_limit_and_transcoding_slots(tmp_path: Path):
    base = {"KINO_DATA_DIR": str(tmp_path), **SECRET}
    defaults = Settings.from_env(base).videos
    assert defaults.max_duration_seconds == 43200  # 12 hours, the contract's default
    assert (defaults.slots, defaults.long_seconds) == (2, 600)
    configured = Settings.from_env(
        {
            **base,
            "KINO_VIDEO_MAX_SECONDS": "3600",
            "KINO_TRANSCODE_MAX_DURATION": "60",  # the older name loses to the contract's
            "KINO_TRANSCODE_SLOTS": "3",
            "KINO_TRANSCODE_LONG_SECONDS": "900",
        }
    ).videos
    assert (configured.max_duration_seconds, configured.slots, configured.long_seconds) == (
        3600,
        3,
        900,
    )
    older = Settings.from_env({**base, "KINO_TRANSCODE_MAX_DURATION": "60"}).videos
    assert older.max_duration_seconds == 60
    for name in ("KINO_VIDEO_MAX_SECONDS", "KINO_TRANSCODE_SLOTS"):
        with pytest.raises(SettingsError, match=name):
            Settings.from_env({**base, name: "0"})


def test_debug_hooks_are_off_by_default_and_refused_in_production(tmp_path: Path):
    base = {"KINO_DATA_DIR": str(tmp_path), **SECRET}
    assert not Settings.from_env(base).debug_hooks
    assert Settings.from_env({**base, "KINO_DEBUG_HOOKS": "1"}).debug_hooks
    with pytest.raises(SettingsError, match="KINO_DEBUG_HOOKS"):
        Settings.from_env({**base, "KINO_DEBUG_HOOKS": "1", "KINO_ENV": "production"})
