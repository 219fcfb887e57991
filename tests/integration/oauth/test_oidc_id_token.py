"""ID token validation. The real provider never signs a wrong token, so these use the
misbehaving fake provider (fake_provider.py) over real HTTP; the control case shows the
fake path succeeds when the token is right, so each refusal is the check's doing."""

from __future__ import annotations

import time

import pytest
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.jwk import RSAKey

from tests.integration.conftest import GraphQLError
from tests.integration.oauth.conftest import CALLBACK
from tests.integration.oauth.fake_provider import CLIENT_ID
from tests.integration.oauth.helpers import begin, complete, query_of


async def fake_sign_in(client, fake, **claims):
    start = await begin(client, provider="fake")
    sent = query_of(start["authorizationUrl"])
    fake.claims = lambda form: {"nonce": sent["nonce"], **claims}
    payload = await complete(
        client, provider="fake", code="fake-code", state=start["state"], iss=fake.issuer
    )
    return sent, payload


async def test_a_correct_token_from_the_fake_signs_in(oauth_client, fake):
    sent, payload = await fake_sign_in(oauth_client, fake, sub="fake-good")
    assert payload["user"]["displayName"] == "Fake Person"
    request = fake.token_requests[-1]
    assert request["grant_type"] == "authorization_code"
    assert request["redirect_uri"] == CALLBACK
    assert create_s256_code_challenge(request["code_verifier"]) == sent["code_challenge"]


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"nonce": "not-the-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"aud": "someone-else"}, "aud"),
        ({"aud": ["someone-else", "another"]}, "aud"),
        ({"aud": [CLIENT_ID, "another"], "azp": "another"}, "azp"),
        ({"iss": "http://evil.example"}, "iss"),
        ({"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200}, "expired"),
        ({"sub": None}, "sub"),
    ],
)
async def test_a_token_with_a_wrong_claim_is_refused(
    oauth_client, fake, users_created, claims, reason
):
    before = users_created()
    with pytest.raises(GraphQLError) as refused:
        await fake_sign_in(oauth_client, fake, **{"sub": f"fake-{reason}", **claims})
    assert refused.value.code == "BAD_USER_INPUT"
    assert "identity token is not valid" in str(refused.value)
    assert reason in str(refused.value).lower()
    assert users_created() == before


async def test_a_token_signed_by_another_key_is_refused(oauth_client, fake, users_created):
    before = users_created()
    fake.sign_with = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
    with pytest.raises(GraphQLError) as refused:
        await fake_sign_in(oauth_client, fake, sub="fake-forged")
    assert refused.value.code == "BAD_USER_INPUT"
    assert "identity token is not valid" in str(refused.value)
    assert users_created() == before


async def test_a_rotated_signing_key_is_fetched_again(oauth_client, fake):
    await fake_sign_in(oauth_client, fake, sub="fake-rotation")  # caches the key set
    original = fake.key
    fake.key = RSAKey.generate_key(2048, parameters={"kid": "fake-2"})
    try:
        _sent, payload = await fake_sign_in(oauth_client, fake, sub="fake-rotation")
    finally:
        fake.key = original
    assert payload["user"]["displayName"] == "Fake Person"
