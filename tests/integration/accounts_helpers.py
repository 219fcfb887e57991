from __future__ import annotations

import secrets
from typing import Any

from tests.integration.conftest import gql

PASSWORD = "correct horse battery staple"
AUTH_FIELDS = "accessToken refreshToken expiresIn user { id handle displayName email createdAt }"

REGISTER = f"""
mutation($email: String!, $handle: String!, $password: String!, $displayName: String) {{
  register(email: $email, handle: $handle, password: $password, displayName: $displayName) {{
    {AUTH_FIELDS}
  }}
}}"""
LOGIN = f"""
mutation($login: String!, $password: String!) {{
  login(login: $login, password: $password) {{ {AUTH_FIELDS} }}
}}"""
REFRESH = f"""
mutation($token: String!) {{ refreshSession(refreshToken: $token) {{ {AUTH_FIELDS} }} }}"""
ME = "{ me { id handle displayName email createdAt } }"


def unique_handle(prefix: str = "u") -> str:
    return f"{prefix}_{secrets.token_hex(5)}"


async def register(client: Any, handle: str | None = None, **overrides: Any) -> dict[str, Any]:
    handle = handle or unique_handle()
    variables = {"email": f"{handle}@example.com", "handle": handle, "password": PASSWORD}
    variables.update(overrides)
    data = await gql(client, REGISTER, variables)
    return data["register"]  # type: ignore[no-any-return]
