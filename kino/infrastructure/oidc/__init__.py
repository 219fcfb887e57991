"""The OpenID Connect client: providers, pending flows, redirect allow-list, sign-in."""

from __future__ import annotations

from kino.infrastructure.oidc.flows import Flow, FlowStore
from kino.infrastructure.oidc.login import LoginStart, OIDCLogin
from kino.infrastructure.oidc.provider import OIDCProvider, ProviderUnavailableError
from kino.infrastructure.oidc.redirects import RedirectAllowList

__all__ = [
    "Flow",
    "FlowStore",
    "LoginStart",
    "OIDCLogin",
    "OIDCProvider",
    "ProviderUnavailableError",
    "RedirectAllowList",
]
