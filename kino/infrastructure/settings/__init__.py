"""Settings: every ``KINO_*`` variable, read once from the environment, validated.

Nothing else in Kino reads ``os.environ``. ``Settings.from_env()`` raises
``SettingsError`` naming the variable and what is wrong with it.

- ``process``: ``Settings``, everything one Kino process is configured with, and ``from_env``;
- ``groups``: the settings that come in groups (S3, videos, OIDC providers) and their readers;
- ``reader``: ``EnvReader``, which reads and checks one variable at a time.
"""

from kino.infrastructure.settings.groups import (
    LiveSettings,
    OIDCProviderSettings,
    S3Settings,
    VideoSettings,
)
from kino.infrastructure.settings.process import Settings
from kino.infrastructure.settings.reader import SettingsError

__all__ = [
    "LiveSettings",
    "OIDCProviderSettings",
    "S3Settings",
    "Settings",
    "SettingsError",
    "VideoSettings",
]
