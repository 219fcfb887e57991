"""Adapters a test (or an embedding program) provides instead of the configured ones: one
``Overrides`` for every builder of the composition root (the api's container, the workers'
parts)."""

from __future__ import annotations

from dataclasses import dataclass

from kino.commands.accounts import PasswordHasher
from kino.commands.sign_in import Throttle
from kino.infrastructure.oidc import OIDCLogin
from kino.infrastructure.storage import ObjectStore


@dataclass(frozen=True)
class Overrides:
    passwords: PasswordHasher | None = None  # e.g. FastPasswords: argon2id's cost is slow
    store: ObjectStore | None = None
    oidc: OIDCLogin | None = None
    throttle: Throttle | None = None
    probe_nats: bool = True  # readiness includes NATS (the api process does)
