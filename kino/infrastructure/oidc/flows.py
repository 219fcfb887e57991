"""Pending sign-ins in Redis: state → (provider, redirect URI, nonce, PKCE verifier).

A flow is single-use (taken with one atomic ``GETDEL``) and expires: Redis drops it
after the TTL, and a flow read back after its ``expires_at`` (by the injected clock) is
refused as well. The key is a hash of the state, so the Redis keyspace never holds a
usable state value.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from redis.asyncio import Redis

DEFAULT_TTL_SECONDS = 600


@dataclass(frozen=True)
class Flow:
    provider: str
    redirect_uri: str
    nonce: str
    code_verifier: str
    expires_at: float


class FlowStore:
    def __init__(
        self,
        client: Redis,
        namespace: str,
        ttl_seconds: int = DEFAULT_TTL_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = client
        self._prefix = f"{namespace}:oidc:flow:"
        self.ttl_seconds = ttl_seconds
        self.clock = clock

    def _key(self, state: str) -> str:
        return self._prefix + hashlib.sha256(state.encode()).hexdigest()

    async def start(self, provider: str, redirect_uri: str) -> tuple[str, Flow]:
        """A fresh state and its flow (new nonce and PKCE verifier), stored until taken."""
        state = secrets.token_urlsafe(32)
        flow = Flow(
            provider=provider,
            redirect_uri=redirect_uri,
            nonce=secrets.token_urlsafe(32),
            code_verifier=secrets.token_urlsafe(64),  # 86 characters: RFC 7636 allows 43-128
            expires_at=self.clock() + self.ttl_seconds,
        )
        stored = await self._redis.set(
            self._key(state), json.dumps(asdict(flow)), ex=self.ttl_seconds, nx=True
        )
        if not stored:  # pragma: no cover - 256 random bits collided
            raise RuntimeError("state collision")
        return state, flow

    async def take(self, state: str) -> Flow | None:
        """The flow of ``state``, removed atomically; None when unknown, used or expired."""
        raw = await self._redis.getdel(self._key(state))
        if raw is None:
            return None
        flow = Flow(**json.loads(raw))
        if self.clock() >= flow.expires_at:
            return None
        return flow
