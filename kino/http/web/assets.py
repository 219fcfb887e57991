"""The built front end (``kino/web``, ``node build.mjs``) and the Content-Security-Policy of
the pages that load it.

The build writes ``static/build/manifest.json``: each page's bundled script, and the hashes of
the ``<style>`` blocks media-chrome and hls-video-element put in their shadow roots. The policy
allows scripts from Kino only, styles from Kino plus exactly those hashed blocks, and nothing
inline otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

WEB = Path(__file__).resolve().parents[2] / "web"
STATIC = WEB / "static"
TEMPLATES = WEB / "templates"
MANIFEST = STATIC / "build" / "manifest.json"
NOT_BUILT = (
    "The web client is not built: run `make dev` (or `cd kino/web && npm ci && node build.mjs`)."
)


@dataclass(frozen=True)
class Manifest:
    scripts: dict[str, str] = field(default_factory=dict)
    style_hashes: tuple[str, ...] = ()

    @classmethod
    def read(cls, path: Path = MANIFEST) -> Manifest:
        """The build's manifest; empty when the front end was never built."""
        try:
            raw = json.loads(path.read_text())
        except FileNotFoundError:
            return cls()
        return cls(scripts=dict(raw["scripts"]), style_hashes=tuple(raw["styleHashes"]))


class WebAssets:
    """Script URLs by page, and the policy that lets exactly them run. In development the
    manifest is read again when the build changed it, so a rebuild needs no restart."""

    def __init__(self, public_url: str, path: Path = MANIFEST, *, reload: bool = False) -> None:
        self._path = path
        self._reload = reload
        self._stamp = self._mtime()
        self._manifest = Manifest.read(path)
        self._websocket_origin = websocket_origin(public_url)

    def script(self, page: str) -> str | None:
        return self.manifest.scripts.get(page)

    @property
    def built(self) -> bool:
        return bool(self.manifest.scripts)

    @property
    def manifest(self) -> Manifest:
        if self._reload and self._mtime() != self._stamp:
            self._stamp = self._mtime()
            self._manifest = Manifest.read(self._path)
        return self._manifest

    def content_security_policy(self, *, frame_ancestors: str = "'none'") -> str:
        styles = " ".join(f"'{digest}'" for digest in self.manifest.style_hashes)
        directives = {
            "default-src": "'self'",
            "script-src": "'self'",
            "style-src": f"'self' {styles}".strip(),
            "img-src": "'self' data: blob:",
            "media-src": "'self' blob:",
            "connect-src": f"'self' {self._websocket_origin}",
            "worker-src": "'self' blob:",  # hls.js transmuxes in a worker made from a blob
            "font-src": "'self'",
            "object-src": "'none'",
            "base-uri": "'none'",
            "form-action": "'self'",
            "frame-ancestors": frame_ancestors,
        }
        return "; ".join(f"{name} {value}" for name, value in directives.items())

    def _mtime(self) -> float:
        try:
            return self._path.stat().st_mtime
        except FileNotFoundError:
            return 0.0


def websocket_origin(public_url: str) -> str:
    """``ws://host:port`` for ``http://host:port`` (``wss`` for ``https``): subscriptions."""
    parts = urlsplit(public_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}"
