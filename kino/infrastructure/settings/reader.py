"""Reads one ``KINO_*`` variable at a time and checks it: a ``SettingsError`` names the
variable and what is wrong with its value (never a password it contains)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit


class SettingsError(ValueError):
    """A configuration variable has a value Kino cannot use."""


class EnvReader:
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
