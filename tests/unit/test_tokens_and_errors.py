from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import uuid4

import jwt
import pytest
from graphql import GraphQLError

from kino.domain.errors import BadInputError, RateLimitedError, UnauthenticatedError
from kino.graphql.errors import INTERNAL_MESSAGE, classify
from kino.infrastructure.tokens import AccessTokens, RefreshToken

KEY = "s" * 40


def test_access_tokens_round_trip():
    tokens = AccessTokens(KEY, 900)
    user, session = uuid4(), uuid4()
    claims = tokens.verify(tokens.issue(user, session))
    assert (claims.user_id, claims.session_id) == (user, session)


def test_expired_access_tokens_are_refused():
    tokens = AccessTokens(KEY, 60)
    token = tokens.issue(uuid4(), uuid4(), now=datetime.now(UTC) - timedelta(minutes=5))
    with pytest.raises(UnauthenticatedError, match="expired"):
        tokens.verify(token)


@pytest.mark.parametrize(
    "forge",
    [
        lambda: AccessTokens("other" * 10, 60).issue(uuid4(), uuid4()),
        lambda: jwt.encode({"sub": str(uuid4()), "sid": str(uuid4())}, key=None, algorithm="none"),
        lambda: "not.a.token",
    ],
)
def test_forged_access_tokens_are_refused(forge):
    with pytest.raises(UnauthenticatedError, match="not valid"):
        AccessTokens(KEY, 60).verify(forge())


def test_refresh_tokens_parse_round_trip():
    token = RefreshToken.new(uuid4(), 3)
    parsed = RefreshToken.parse(str(token))
    assert parsed == token and parsed.secret_hash == token.secret_hash


@pytest.mark.parametrize("raw", ["", "a.b", "a.b.c.d", "!!.0." + "x" * 40, "AAAA.-1." + "x" * 40])
def test_malformed_refresh_tokens(raw: str):
    with pytest.raises(UnauthenticatedError):
        RefreshToken.parse(raw)


def _error(original: Exception | None) -> GraphQLError:
    return GraphQLError("raw message", original_error=original)


def test_errors_carry_codes_and_never_leak_internals():
    assert classify(_error(BadInputError("Bad email", field="email"))).extensions == {
        "code": "BAD_USER_INPUT",
        "field": "email",
    }
    limited = classify(_error(RateLimitedError("Slow down", retry_after_seconds=12)))
    assert limited.extensions == {"code": "RATE_LIMITED", "retryAfterSeconds": 12}
    internal = classify(_error(RuntimeError("SELECT * FROM secrets; psycopg exploded")))
    assert internal.message == INTERNAL_MESSAGE
    assert internal.extensions == {"code": "INTERNAL"}
    assert classify(_error(None)).extensions == {"code": "BAD_USER_INPUT"}
