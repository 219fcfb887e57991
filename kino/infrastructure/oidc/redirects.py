"""Which redirect URIs a sign-in may return to: no open redirects.

Allowed: any path on the ``KINO_PUBLIC_URL`` origin, plus each configured extra
(``KINO_OAUTH_REDIRECT_EXTRAS``): an extra with a path is matched exactly, an extra
that is only an origin (``https://app.example``) allows any path on that origin.
Refused: other origins, user info in the authority, fragments, control characters and
backslashes, and schemes other than http(s) unless an exact extra names them.
"""

from __future__ import annotations

from urllib.parse import SplitResult, urlsplit

from kino.domain.errors import BadInputError

DEFAULT_PORTS = {"http": 80, "https": 443}


def _origin(parts: SplitResult) -> str | None:
    """``scheme://host[:port]`` normalised (lowercase, default port dropped), or None."""
    scheme = parts.scheme.lower()
    try:
        host, port = parts.hostname, parts.port
    except ValueError:  # a port that is not a number
        return None
    if scheme not in DEFAULT_PORTS or not host or parts.username or parts.password:
        return None
    if "@" in parts.netloc:
        return None
    shown = f"[{host}]" if ":" in host else host
    if port is not None and port != DEFAULT_PORTS[scheme]:
        return f"{scheme}://{shown}:{port}"
    return f"{scheme}://{shown}"


class RedirectAllowList:
    def __init__(self, public_url: str, extras: tuple[str, ...] = ()) -> None:
        public = _origin(urlsplit(public_url))
        self.origins: set[str] = {public} if public else set()
        self.exact: set[str] = set()
        for extra in extras:
            parts = urlsplit(extra)
            origin = _origin(parts)
            if origin and parts.path in ("", "/") and not parts.query:
                self.origins.add(origin)
            else:
                self.exact.add(extra)

    def check(self, uri: str) -> str:
        """Return ``uri`` when sign-ins may return to it; raise ``BadInputError`` otherwise."""
        refused = BadInputError(
            "That redirect URI is not allowed: sign-ins return only to this site's own pages "
            "(or to configured extras).",
            field="redirectUri",
        )
        if not uri or any(ch.isspace() or ord(ch) < 32 or ch in "\\\x7f" for ch in uri):
            raise refused
        if uri in self.exact:
            return uri
        parts = urlsplit(uri)
        if parts.fragment or "#" in uri:
            raise refused
        origin = _origin(parts)
        if origin is None or origin not in self.origins:
            raise refused
        if not parts.path.startswith("/"):
            raise refused
        return uri
