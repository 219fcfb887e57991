#!/usr/bin/env bash
# Deploy smoke (a campaign like the benchmarks, not part of make test): builds the image with
# `make image`, renders k8s/overlays/dev with the component k8s/components/host-services under
# a site overlay of this run with kubectl kustomize, runs every Kino Deployment (api x2,
# projector, relay, transcoder, ingest) with `podman kube play` against this machine's
# PostgreSQL, Redis and NATS (and a moto S3 server), then registers, uploads a clip until
# READY, plays it, goes live with ffmpeg, and chats from one api replica to the other; prints
# each step with its time, then tears it all down.
#   bash scripts/deploy-smoke.sh [--no-build]     (--no-build: the image make image built last)
# What podman needs beyond the rendered YAML (secrets, ports, replicas): bench/kube_play.py.
set -euo pipefail
cd "$(dirname "$0")/.."
make --no-print-directory install >/dev/null
bash scripts/ensure-services.sh
if ! command -v kubectl >/dev/null; then
  # kubectl is Debian-packaged where the Kubernetes apt repository is configured (as here);
  # Debian's own kubernetes-client (1.20) is too old for Kustomize components.
  bash scripts/system-deps.sh kubectl
fi
command -v podman >/dev/null || bash scripts/system-deps.sh podman runc
exec .venv/bin/python -m bench.deploy_smoke "$@"
