"""ID token validation (OpenID Connect Core 3.1.3.7) with joserfc and authlib's claims.

Signature by a key of the provider's JWKS (asymmetric algorithms the provider
advertises; never ``none`` or a shared-secret HMAC), then ``iss``, ``aud`` (and
``azp``), ``exp``/``iat``, ``nonce`` and ``at_hash``.
"""

from __future__ import annotations

from typing import Any

from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet

from kino.domain.errors import BadInputError
from kino.domain.oauth import usable_subject
from kino.infrastructure.oidc.provider import OIDCProvider

ASYMMETRIC_ALGORITHMS = (
    *("RS256", "RS384", "RS512", "PS256", "PS384", "PS512"),
    *("ES256", "ES384", "ES512", "EdDSA", "Ed25519"),
)


def invalid(reason: str) -> BadInputError:
    return BadInputError(
        f"The provider's identity token is not valid for this sign-in ({reason}); "
        "start the sign-in again."
    )


def _algorithms(metadata: dict[str, Any]) -> list[str]:
    advertised = metadata.get("id_token_signing_alg_values_supported") or ["RS256"]
    if not isinstance(advertised, list):
        advertised = ["RS256"]
    return [alg for alg in advertised if alg in ASYMMETRIC_ALGORITHMS]


async def _decode(provider: OIDCProvider, id_token: str, algorithms: list[str]) -> jwt.Token:
    for refresh in (False, True):
        try:
            keys = KeySet.import_key_set(await provider.jwks(refresh=refresh))
        except (JoseError, ValueError, TypeError, KeyError):
            raise provider.unavailable("its key set cannot be read") from None
        try:
            return jwt.decode(id_token, keys, algorithms=algorithms)
        except (JoseError, ValueError) as error:
            if not refresh and isinstance(error, InvalidKeyIdError):
                continue  # the provider may have rotated its keys: fetch them once more
            raise invalid(_describe(error)) from None
    raise invalid("unknown signing key")  # pragma: no cover - the loop returns or raises


def _describe(error: Exception) -> str:
    if isinstance(error, JoseError) and error.description:
        text = str(error.description)
    else:
        text = "it could not be verified"
    return text[:120]


async def verify_id_token(
    provider: OIDCProvider,
    id_token: str,
    *,
    nonce: str,
    access_token: str | None,
    now: int,
    leeway: int = 60,
) -> dict[str, Any]:
    """The ID token's claims once every check passes; ``BadInputError`` naming the first
    that does not."""
    metadata = await provider.metadata()
    algorithms = _algorithms(metadata)
    if not algorithms:
        raise provider.unavailable("it signs ID tokens with no algorithm Kino accepts")
    token = await _decode(provider, id_token, algorithms)
    options: dict[str, Any] = {
        "iss": {"essential": True, "value": metadata["issuer"]},
        "aud": {"essential": True, "value": provider.config.client_id},
        "sub": {"essential": True},
    }
    params = {"nonce": nonce, "client_id": provider.config.client_id}
    if access_token:
        params["access_token"] = access_token
    claims = CodeIDToken(token.claims, token.header, options, params)
    try:
        claims.validate(now=now, leeway=leeway)
    except (JoseError, ValueError) as error:
        raise invalid(_describe(error)) from None
    subject = claims.get("sub")
    if not isinstance(subject, str) or not usable_subject(subject):
        raise invalid("no usable subject")
    return dict(claims)
