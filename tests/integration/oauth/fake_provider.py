"""A deliberately misbehaving OpenID Connect provider, for what a real one never does.

The real provider (oidc-provider) cannot be made to sign an ID token with a wrong nonce,
audience or issuer, or to answer garbage, or to hang; this fake does, on 127.0.0.1, over
real HTTP. Only the endpoints Kino calls exist: discovery, JWKS, token, userinfo.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "kino-fake"
CLIENT_SECRET = "fake-secret"


class FakeProvider:
    def __init__(self) -> None:
        self.key = RSAKey.generate_key(2048, parameters={"kid": "fake-1"})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.mode = "ok"  # "ok", "garbage-discovery", "garbage-token", "hang"
        self.claims: Callable[[dict[str, str]], dict[str, Any]] = lambda request: {}
        self.sign_with: RSAKey | None = None
        self.released = threading.Event()
        self.token_requests: list[dict[str, str]] = []
        self.last_subject: Any = None
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> FakeProvider:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.released.set()
        self.server.shutdown()
        self.server.server_close()

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/auth",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "id_token_signing_alg_values_supported": ["RS256"],
            "authorization_response_iss_parameter_supported": True,
        }

    def id_token(self, nonce: str, **overrides: Any) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": "fake-subject",
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": "fake@example.com",
            "email_verified": True,
            "name": "Fake Person",
        }
        claims.update(overrides)
        claims = {key: value for key, value in claims.items() if value is not None}
        self.last_subject = claims.get("sub")
        key = self.sign_with or self.key
        return jwt.encode({"alg": "RS256", "kid": key.kid}, claims, key)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _send(self, status: int, body: bytes, kind: str = "application/json") -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self, value: Any) -> None:
                self._send(200, json.dumps(value).encode())

            def do_GET(self) -> None:
                if fake.mode == "hang":
                    fake.released.wait()
                    return
                path = urlsplit(self.path).path
                if path == "/.well-known/openid-configuration":
                    if fake.mode == "garbage-discovery":
                        self._send(200, b"<html>It works!</html>", "text/html")
                    else:
                        self._json(fake.metadata())
                elif path == "/jwks":
                    self._json({"keys": [fake.key.as_dict(private=False)]})
                elif path == "/userinfo":
                    self._json({"sub": fake.last_subject})
                else:
                    self._send(404, b"{}")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                fake.token_requests.append(form)
                if fake.mode == "garbage-token":
                    self._send(200, b"\x00\xffnot json at all", "text/plain")
                    return
                claims = fake.claims(form)
                self._json(
                    {
                        "access_token": "fake-access-token",
                        "token_type": "Bearer",
                        "expires_in": 300,
                        "id_token": fake.id_token(**claims),
                    }
                )

        return Handler
