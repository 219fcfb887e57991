"""The redirect URI allow-list: the public origin, configured extras, nothing else."""

from __future__ import annotations

import pytest

from kino.domain.errors import BadInputError
from kino.infrastructure.oidc.redirects import RedirectAllowList

ALLOW = RedirectAllowList(
    "https://kino.example",
    ("https://app.example", "http://127.0.0.1:5555/cb", "com.example.kino:/oauth"),
)


@pytest.mark.parametrize(
    "uri",
    [
        "https://kino.example/auth/callback",
        "https://kino.example/auth/callback?next=%2Fupload",
        "https://KINO.example:443/auth/callback",
        "https://kino.example/",
        "https://app.example/anything/here",
        "http://127.0.0.1:5555/cb",
        "com.example.kino:/oauth",
    ],
)
def test_allowed(uri):
    assert ALLOW.check(uri) == uri


@pytest.mark.parametrize(
    "uri",
    [
        "https://evil.example/auth/callback",
        "http://kino.example/auth/callback",
        "https://kino.example:8443/auth/callback",
        "https://kino.example.evil.example/auth/callback",
        "https://evil.example#https://kino.example/",
        "https://kino.example@evil.example/",
        "https://user:pass@kino.example/",
        "https://evil.example\\@kino.example/",
        "https://kino.example/auth/callback#frag",
        "https://kino.example/a b",
        "https://kino.example/\r\nLocation: x",
        "//kino.example/auth/callback",
        "/auth/callback",
        "javascript://kino.example/%0aalert(1)",
        "data:text/html,hi",
        "https://kino.example:notaport/",
        "http://127.0.0.1:5555/cb/other",
        "http://127.0.0.1:5555/cb?x=1",
        "com.example.kino:/oauth/other",
        "",
    ],
)
def test_refused(uri):
    with pytest.raises(BadInputError) as refused:
        ALLOW.check(uri)
    assert refused.value.field == "redirectUri"


def test_the_public_url_path_does_not_narrow_its_origin():
    allow = RedirectAllowList("http://127.0.0.1:8000/kino")
    assert allow.check("http://127.0.0.1:8000/auth/callback")
    with pytest.raises(BadInputError):
        allow.check("http://127.0.0.1:8001/auth/callback")
