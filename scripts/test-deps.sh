#!/usr/bin/env bash
# What the test suite needs beyond Python: Node and npm (the OpenID Connect provider the
# integration tests run) and that provider's npm packages, installed from the lock file.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  bash scripts/system-deps.sh nodejs npm
fi
if [ ! -d tests/oidc/node_modules/oidc-provider ]; then
  (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ ! -d tests/live_player/node_modules/hls.js ]; then
  (cd tests/live_player && npm ci --no-audit --no-fund --loglevel=error)
fi
