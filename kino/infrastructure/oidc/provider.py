"""One OpenID Connect provider over HTTP: discovery, JWKS, token and userinfo endpoints.

Every call has a timeout (per operation and overall) and a response size cap, so a
provider that is down, slow or answers garbage gives a readable error, never a hang.
Discovery and the JWKS are cached; the JWKS is fetched again when a token names a key
that is not in it (key rotation).
"""

from __future__ import annotations

import asyncio
import base64
import json
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, urlencode

import httpx
import structlog
from authlib.oauth2.rfc6749.parameters import prepare_token_request
from joserfc.jwk import KeySetSerialization

from kino.domain.errors import BadInputError, KinoError
from kino.infrastructure.settings import OIDCProviderSettings

log = structlog.get_logger(__name__)

MAX_RESPONSE_BYTES = 512 * 1024
METADATA_TTL_SECONDS = 3600.0
REQUIRED_METADATA = ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")


class ProviderUnavailableError(KinoError):
    """The provider could not be reached or answered something unusable (code INTERNAL)."""


class OIDCProvider:
    def __init__(
        self,
        config: OIDCProviderSettings,
        *,
        timeout: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self.name = config.name
        self.timeout = timeout
        self._clock = clock
        self._metadata: tuple[float, dict[str, Any]] | None = None
        self._jwks: KeySetSerialization | None = None

    def unavailable(self, problem: str) -> ProviderUnavailableError:
        log.warning("oidc provider problem", provider=self.name, problem=problem)
        return ProviderUnavailableError(
            f"The sign-in provider {self.name!r} is not available right now ({problem}); "
            "please try again later."
        )

    async def metadata(self) -> dict[str, Any]:
        """The provider's discovery document (cached), checked against the configured issuer."""
        if self._metadata and self._clock() - self._metadata[0] < METADATA_TTL_SECONDS:
            return self._metadata[1]
        url = f"{self.config.issuer}/.well-known/openid-configuration"
        status, body = await self._request("GET", url, "discovery")
        document = self._json_object(status, body, "discovery")
        missing = [name for name in REQUIRED_METADATA if not isinstance(document.get(name), str)]
        if missing:
            raise self.unavailable(f"its discovery document lacks {', '.join(missing)}")
        if document["issuer"].rstrip("/") != self.config.issuer:
            raise self.unavailable("its discovery document names another issuer")
        self._metadata = (self._clock(), document)
        self._jwks = None
        return document

    async def jwks(self, *, refresh: bool = False) -> KeySetSerialization:
        if self._jwks is None or refresh:
            metadata = await self.metadata()
            status, body = await self._request("GET", metadata["jwks_uri"], "keys")
            keys = self._json_object(status, body, "keys").get("keys")
            if not isinstance(keys, list):
                raise self.unavailable("its key set is not a JWKS")
            self._jwks = KeySetSerialization(keys=keys)
        return self._jwks

    async def exchange_code(self, code: str, redirect_uri: str, verifier: str) -> dict[str, Any]:
        """Trade the authorization code for tokens (PKCE verifier, client authentication)."""
        metadata = await self.metadata()
        body = prepare_token_request(
            "authorization_code", redirect_uri=redirect_uri, code=code, code_verifier=verifier
        )
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        methods = metadata.get("token_endpoint_auth_methods_supported")
        if isinstance(methods, list) and "client_secret_basic" not in methods:
            body += "&" + urlencode(
                {"client_id": self.config.client_id, "client_secret": self.config.client_secret}
            )
        else:  # RFC 6749 2.3.1: form-encode both parts before base64
            client_id, secret = self.config.client_id, self.config.client_secret
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
            headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
        status, raw = await self._request(
            "POST", metadata["token_endpoint"], "token", content=body, headers=headers
        )
        if status in (400, 401):
            error = _oauth_error(raw)
            if error in ("invalid_client", "unauthorized_client"):
                raise self.unavailable(f"it does not accept Kino's client credentials: {error}")
            raise BadInputError(
                f"The provider refused this sign-in ({error}): the code may have been used "
                "already or have expired. Start the sign-in again."
            )
        tokens = self._json_object(status, raw, "token")
        if not isinstance(tokens.get("id_token"), str):
            raise self.unavailable("its token response has no ID token")
        return tokens

    async def userinfo(self, access_token: str) -> dict[str, Any]:
        metadata = await self.metadata()
        endpoint = metadata.get("userinfo_endpoint")
        if not isinstance(endpoint, str):
            return {}
        headers = {"Authorization": f"Bearer {access_token}", "Accept": "application/json"}
        status, raw = await self._request("GET", endpoint, "userinfo", headers=headers)
        return self._json_object(status, raw, "userinfo")

    def _json_object(self, status: int, body: bytes, what: str) -> dict[str, Any]:
        if status != 200:
            raise self.unavailable(f"its {what} endpoint answered HTTP {status}")
        try:
            value = json.loads(body)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise self.unavailable(f"its {what} endpoint answered something that is not JSON")
        return value

    async def _request(self, method: str, url: str, what: str, **kwargs: Any) -> tuple[int, bytes]:
        try:
            async with (
                asyncio.timeout(self.timeout * 2),
                httpx.AsyncClient(timeout=self.timeout, follow_redirects=False) as client,
                client.stream(method, url, **kwargs) as response,
            ):
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        raise self.unavailable(f"its {what} response is too large")
                return response.status_code, bytes(body)
        except (httpx.HTTPError, TimeoutError, OSError) as error:
            timed_out = isinstance(error, TimeoutError | httpx.TimeoutException)
            kind = "timed out" if timed_out else "could not be reached"
            raise self.unavailable(f"its {what} endpoint {kind}") from None


def _oauth_error(raw: bytes) -> str:
    try:
        error = json.loads(raw).get("error")
    except (ValueError, AttributeError):
        error = None
    if isinstance(error, str) and error.replace("_", "").isalnum() and len(error) <= 40:
        return error
    return "invalid_request"
