"""Which account an external identity signs in to: linked, found by verified email, or new."""

from __future__ import annotations

import asyncio

from tests.integration.accounts_helpers import LOGIN, PASSWORD, register, unique_handle
from tests.integration.conftest import gql
from tests.integration.oauth.helpers import ME, authorized, complete, sign_in, subject


async def test_a_verified_email_links_to_the_existing_password_account(oauth_client, users_created):
    handle = unique_handle("pw")
    account = await register(oauth_client, handle)
    before = users_created()

    payload = await sign_in(oauth_client, handle)  # the provider vouches for handle@example.com
    assert payload["user"]["id"] == account["user"]["id"]
    assert payload["user"]["handle"] == handle
    assert users_created() == before
    # The password still works, and the identity stays linked.
    login = await gql(oauth_client, LOGIN, {"login": handle, "password": PASSWORD})
    assert login["login"]["user"]["id"] == account["user"]["id"]
    assert (await sign_in(oauth_client, handle))["user"]["id"] == account["user"]["id"]


async def test_an_unverified_email_never_takes_over_an_account(oauth_client, users_created):
    handle = unique_handle("victim")
    account = await register(oauth_client, handle)
    before = users_created()

    payload = await sign_in(oauth_client, f"unverified.{handle}")
    assert payload["user"]["id"] != account["user"]["id"]
    assert payload["user"]["handle"] != handle
    assert payload["user"]["handle"].startswith(handle[:20])
    assert payload["user"]["email"] is None  # an unverified address is not kept
    assert users_created() == before + 1
    me = (await gql(oauth_client, ME, token=account["accessToken"]))["me"]
    assert me["email"] == f"{handle}@example.com"


async def test_accounts_without_an_email_get_a_handle_from_the_claims(oauth_client):
    login = subject("quiet")
    first = await sign_in(oauth_client, f"noemail.{login}")
    second = await sign_in(oauth_client, f"noemail.{subject('quiet')}")
    assert first["user"]["handle"] == login
    assert first["user"]["email"] is None
    assert second["user"]["email"] is None
    assert first["user"]["id"] != second["user"]["id"]
    me = (await gql(oauth_client, ME, token=first["accessToken"]))["me"]
    assert me["displayName"] == f"Test {login}"


async def test_simultaneous_first_sign_ins_of_one_identity_create_one_user(
    oauth_client, users_created
):
    login = subject("twice")
    before = users_created()
    flows = [await authorized(oauth_client, login) for _ in range(4)]
    payloads = await asyncio.gather(
        *(
            complete(oauth_client, code=cb["code"], state=cb["state"], iss=cb["iss"])
            for _start, cb in flows
        )
    )
    assert len({payload["user"]["id"] for payload in payloads}) == 1
    assert users_created() == before + 1
