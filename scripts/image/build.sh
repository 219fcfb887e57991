#!/usr/bin/env bash
# `make image`: builds Kino's container image from ./Containerfile, then checks it.
#   bash scripts/image/build.sh [IMAGE]        IMAGE defaults to ghcr.io/kino-video/kino
# Tags IMAGE:VERSION (pyproject's version) and IMAGE:latest, the name k8s/ deploys.
#
# Engine: podman (installed with apt when missing, as root), or docker when that is what the
# machine has (a docker whose daemon answers); KINO_IMAGE_ENGINE forces one. For podman,
# CONTAINERS_CONF defaults to scripts/image/containers.conf (runc, cgroupfs, ulimits: what the
# sandboxed machines of this project need, harmless elsewhere).
# Base: KINO_IMAGE_BASE when set; else debian:bookworm-slim from the registry when it answers;
# else localhost/debian:bookworm-slim, made once with debootstrap from this machine's Debian
# mirror (scripts/image/base.sh; KINO_IMAGE_NEW_BASE=1 makes it again). The build never pulls.
# The machine's CA bundle (KINO_IMAGE_CA_BUNDLE, default /etc/ssl/certs/ca-certificates.crt)
# reaches the npm and pip steps as a build secret: mounted for those steps, in no layer.
#
# Checks after the build (any failure fails make image): `kino --help` runs; the image runs as
# 10001; no compiler, node, npm, pip or git; none of this machine's own CA certificates
# (/usr/local/share/ca-certificates) in any file of the image, no PEM private key in any file
# (shared libraries aside: GnuTLS carries its self-test key), no build secret; under 600 MB.
set -euo pipefail
cd "$(dirname "$0")/../.."
IMAGE=${1:-ghcr.io/kino-video/kino}
MAX_MB=600
VERSION=$(python3 -c 'import tomllib; print(tomllib.load(open("pyproject.toml", "rb"))["project"]["version"])')
LICENSE=$(python3 -c 'import tomllib; p = tomllib.load(open("pyproject.toml", "rb"))["project"]; l = p.get("license", "NOASSERTION"); print(l if isinstance(l, str) else "NOASSERTION")')
REVISION=$(git rev-parse HEAD 2>/dev/null || echo unknown)
[ -z "$(git status --porcelain 2>/dev/null)" ] || REVISION="$REVISION-dirty"
step() { printf '%s  %s\n' "$(date +%T)" "$*"; }

# --- the engine ---
ENGINE=${KINO_IMAGE_ENGINE:-}
if [ -z "$ENGINE" ]; then
  if command -v podman >/dev/null; then ENGINE=podman
  elif command -v docker >/dev/null && docker info >/dev/null 2>&1; then ENGINE=docker
  else ENGINE=podman; fi
fi
if [ "$ENGINE" = podman ]; then
  command -v podman >/dev/null && command -v runc >/dev/null || bash scripts/system-deps.sh podman runc
  export CONTAINERS_CONF=${CONTAINERS_CONF:-$PWD/scripts/image/containers.conf}
fi
has_image() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }

# --- the base ---
BASE=${KINO_IMAGE_BASE:-}
if [ -z "$BASE" ]; then
  LOCAL_BASE=localhost/debian:bookworm-slim
  if [ "${KINO_IMAGE_NEW_BASE:-0}" != 1 ] && timeout 120 "$ENGINE" pull -q docker.io/library/debian:bookworm-slim >/dev/null 2>&1; then
    BASE=docker.io/library/debian:bookworm-slim
  elif [ "${KINO_IMAGE_NEW_BASE:-0}" != 1 ] && has_image "$LOCAL_BASE"; then
    BASE=$LOCAL_BASE
  else
    step "no registry answers: making $LOCAL_BASE with debootstrap"
    command -v debootstrap >/dev/null || bash scripts/system-deps.sh debootstrap
    bash scripts/image/base.sh "$ENGINE"
    BASE=$LOCAL_BASE
  fi
fi

# --- the build ---
CA_BUNDLE=${KINO_IMAGE_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
[ -r "$CA_BUNDLE" ] || { CA_BUNDLE=$WORK/none.crt; : >"$CA_BUNDLE"; }
build=("$ENGINE" build -f Containerfile --build-arg "BASE=$BASE" --build-arg "VERSION=$VERSION"
       --build-arg "REVISION=$REVISION" --build-arg "LICENSE=$LICENSE"
       --secret "id=ca-bundle,src=$CA_BUNDLE" -t "$IMAGE:$VERSION" -t "$IMAGE:latest")
[ "$ENGINE" = podman ] && build+=(--pull=never --layers)
step "building $IMAGE:$VERSION with $ENGINE from $BASE"
started=$(date +%s)
mkdir -p test-artifacts
log=test-artifacts/image-build.log
set +e  # the engine's status, not the filter's
"${build[@]}" . 2>&1 | tee "$log" | grep -E --line-buffered '^STEP |^kino-.*\.whl: '
status=${PIPESTATUS[0]}
set -e
[ "$status" -eq 0 ] || { tail -30 "$log" >&2; echo "image build failed; the whole log: $log" >&2; exit 1; }
step "built in $(( $(date +%s) - started )) s"

# --- the checks ---
run() { "$ENGINE" run --rm --network none "$@"; }
fail() { echo "image check failed: $*" >&2; exit 1; }
run "$IMAGE:$VERSION" kino --help | grep -q "usage: kino" || fail "kino --help"
user=$("$ENGINE" image inspect --format '{{.Config.User}}' "$IMAGE:$VERSION")
[ "$user" = 10001:10001 ] || fail "the image's user is '$user', not 10001:10001"
[ "$(run --entrypoint id "$IMAGE:$VERSION" -u)" = 10001 ] || fail "the container does not run as 10001"
tools=$(run --entrypoint /bin/sh "$IMAGE:$VERSION" -c \
  'for t in gcc cc c++ make node npm pip pip3 git; do command -v "$t"; done; true')
[ -z "$tools" ] || fail "build tools in the image: $tools"
# The image's files, on the host: none of this machine's own CA certificates, no private key.
container=$("$ENGINE" create "$IMAGE:$VERSION")
"$ENGINE" export "$container" | tar -x -C "$WORK" --exclude='dev/*' 2>/dev/null || true
"$ENGINE" rm "$container" >/dev/null
for cert in /usr/local/share/ca-certificates/*.crt /usr/local/share/ca-certificates/*/*.crt; do
  [ -f "$cert" ] || continue
  marker=$(grep -v -e '-----' "$cert" | sed -n 2p)  # a line of the certificate's body
  [ -n "$marker" ] || continue
  if grep -rlF -- "$marker" "$WORK" >/dev/null 2>&1; then fail "$cert (this machine's CA) is in the image"; fi
done
keys=$(grep -rlzP --exclude='*.so' --exclude='*.so.*' -- '-----BEGIN ([A-Z]+ )?PRIVATE KEY-----\r?\n[A-Za-z0-9+/]{40}' "$WORK" 2>/dev/null | sed "s:^$WORK::" || true)
[ -z "$keys" ] || fail "private keys in the image: $keys"
[ ! -e "$WORK/run/secrets/ca-bundle" ] || fail "the build secret is in the image"

bytes=$("$ENGINE" image inspect --format '{{.Size}}' "$IMAGE:$VERSION")
mb=$(( bytes / 1000000 ))
step "image $IMAGE:$VERSION (also :latest): $mb MB, runs as 10001, labels version=$VERSION licenses=$LICENSE"
[ "$mb" -lt "$MAX_MB" ] || fail "the image is $mb MB, over the $MAX_MB MB budget"
