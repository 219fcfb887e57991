#!/usr/bin/env bash
# Makes the base image localhost/debian:bookworm-slim without a registry: debootstrap (minbase)
# from the Debian mirror this machine's apt uses, slimmed the way Debian's official -slim images
# are (no manuals, docs or locales, now or in packages installed later), imported with podman.
#   bash scripts/image/base.sh [ENGINE]     ENGINE: podman (default) or docker
set -euo pipefail
ENGINE=${1:-podman}
TAG=localhost/debian:bookworm-slim
SUITE=bookworm

# The mirror: the first Debian archive URI in /etc/apt/sources.list*, one-line or deb822.
mirror_for() {  # $1: "debian" or "debian-security"
  local file
  for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$file" ] && grep -v '^[[:space:]]*#' "$file"
  done | grep -Eo "(https?|file)://[^ ]+/$1/?( |\$)" | sed 's: *$::; s:/$::' | sed -n 1p || true
}
MIRROR=$(mirror_for debian); MIRROR=${MIRROR:-http://deb.debian.org/debian}
SECURITY=$(mirror_for debian-security); SECURITY=${SECURITY:-http://deb.debian.org/debian-security}

ROOTFS=$(mktemp -d /var/tmp/kino-rootfs.XXXXXX)
trap 'rm -rf "$ROOTFS"' EXIT
started=$(date +%s)
echo "base image: debootstrap --variant=minbase $SUITE from $MIRROR"
debootstrap --variant=minbase --components=main "$SUITE" "$ROOTFS" "$MIRROR" >"$ROOTFS.log" 2>&1 ||
  { tail -20 "$ROOTFS.log" >&2; rm -f "$ROOTFS.log"; exit 1; }
rm -f "$ROOTFS.log"

# Like debian:bookworm-slim: dpkg leaves out manuals, docs and translations (copyright kept).
cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/groff/*
path-exclude /usr/share/info/*
path-exclude /usr/share/lintian/*
path-exclude /usr/share/linda/*
path-exclude /usr/share/locale/*
EOF
find "$ROOTFS/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$ROOTFS/usr/share/doc" -mindepth 1 -type d -empty -delete
rm -rf "$ROOTFS"/usr/share/{man,groff,info,lintian,linda,locale}/*
# apt in containers: no recommends, no caches left in layers, the whole Debian archive.
cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'EOF'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
EOF
rm -f "$ROOTFS/etc/apt/sources.list"
cat >"$ROOTFS/etc/apt/sources.list.d/debian.sources" <<EOF
Types: deb
URIs: $MIRROR
Suites: $SUITE $SUITE-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: $SECURITY
Suites: $SUITE-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/*.bin "$ROOTFS"/var/cache/apt/archives/*.deb \
  "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/* "$ROOTFS"/tmp/* "$ROOTFS"/root/.bash_history
: >"$ROOTFS/etc/machine-id"
# debootstrap copies the build machine's resolver and host names: nothing of it stays.
rm -f "$ROOTFS/etc/resolv.conf" "$ROOTFS/etc/hostname"
: >"$ROOTFS/etc/hosts"

tar --numeric-owner --xattrs -C "$ROOTFS" -c . |
  "$ENGINE" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    - "$TAG" >/dev/null
echo "base image: $TAG ($(( $(date +%s) - started )) s)"
