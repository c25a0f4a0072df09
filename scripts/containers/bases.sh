#!/usr/bin/env bash
# Makes the base images deploy/docker/Dockerfile needs when no image registry can be reached:
#   podium-local/debian:12   Debian 12 (bookworm) minbase from debootstrap, docs and locales
#                            trimmed as in debian:bookworm-slim (the runtime base)
#   podium-local/rust:1.95   that root + gcc/libc6-dev/pkg-config + the host's Rust 1.95 toolchain
#   podium-local/node:20     that root + the host's Node 20 and npm
# Each image carries a label with a hash of its recipe (this script and the toolchain versions);
# an image whose label matches is kept, so a second run takes a second. Needs root, a running
# Docker engine (scripts/containers/engine.sh), debootstrap, and Rust 1.95 and Node 20 on the host.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/containers/bases.sh [--force]
  Builds podium-local/debian:12, podium-local/rust:1.95 and podium-local/node:20 unless an image
  with the same recipe exists (--force rebuilds them). Prints the three image names.
Environment: PODIUM_CACHE (default ~/.cache/podium): the debootstrap root is cached there.
  DEBIAN_MIRROR (default http://deb.debian.org/debian).
USAGE
}
force=0
case "${1:-}" in -h|--help) usage; exit 0 ;; --force) force=1 ;; "") ;; *) usage >&2; exit 2 ;; esac

RUNTIME_IMAGE=podium-local/debian:12
RUST_IMAGE=podium-local/rust:1.95
NODE_IMAGE=podium-local/node:20
RUST_TOOLCHAIN=1.95.0-x86_64-unknown-linux-gnu
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
CACHE=${PODIUM_CACHE:-$HOME/.cache/podium}/containers
ROOTFS=$CACHE/bookworm-minbase

die() { echo "bases.sh: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap and docker import)"
command -v debootstrap >/dev/null || die "debootstrap not found: run scripts/install-deps.sh"
docker version >/dev/null 2>&1 || die "no Docker engine answers: scripts/containers/engine.sh start DIR"
rustup_home=${RUSTUP_HOME:-$HOME/.rustup}
toolchain=$(readlink -f "$rustup_home/toolchains/$RUST_TOOLCHAIN") \
  || die "Rust toolchain $RUST_TOOLCHAIN not found under $rustup_home"
[ -x "$toolchain/bin/cargo" ] || die "no cargo in $toolchain"
node_bin=$(command -v node) || die "node not found"
case "$("$node_bin" --version)" in v20.*) ;; *) die "node on the host is $("$node_bin" --version), not 20" ;; esac
npm_dir=$(dirname "$(readlink -f "$(command -v npm)")")/..
[ -f "$npm_dir/package.json" ] || die "npm's package not found next to $(command -v npm)"

# Bump RECIPE_REVISION when what goes into the images changes (a rebuilt base invalidates every
# cached layer of the Podium build above it, so editing this script's comments must not).
RECIPE_REVISION=1
# The builders also trust the host's own CA certificates (/usr/local/share/ca-certificates): where
# HTTPS goes through an inspecting proxy, crates.io and the npm registry are reached through it.
shopt -s nullglob
local_cas=(/usr/local/share/ca-certificates/*.crt)
shopt -u nullglob
base_recipe=$(echo "$RECIPE_REVISION $MIRROR" | sha256sum | cut -c1-16)
builder_recipe=$( { echo "$base_recipe"; "$toolchain/bin/rustc" --version; "$node_bin" --version; \
  grep -m1 '"version"' "$npm_dir/package.json"; cat "${local_cas[@]}" /dev/null; } | sha256sum | cut -c1-16)
label=org.podium.base-recipe

# A base replaced by a new recipe is removed by its id once untagged, and only when nothing is
# built on it (docker refuses otherwise). Never `docker image prune` here: every layer of the
# Podium build cache inherits the bases' label and is untagged, and would go with it.
drop_old() { # OLD-ID IMAGE
  [ -n "$1" ] && [ "$1" != "$(docker image inspect --format '{{.Id}}' "$2")" ] || return 0
  docker rmi "$1" >/dev/null 2>&1 || true
}
old_id() { docker image inspect --format '{{.Id}}' "$1" 2>/dev/null || true; }

current() { # IMAGE RECIPE -> 0 when IMAGE exists with that recipe
  [ "$force" = 0 ] || return 1
  [ "$(docker image inspect --format "{{ index .Config.Labels \"$label\" }}" "$1" 2>/dev/null)" = "$2" ]
}
# Writes DIR/cas/ and the Dockerfile lines that install the host's CA certificates.
local_cas_into() { # DIR
  mkdir -p "$1/cas"
  [ ${#local_cas[@]} -eq 0 ] || cp "${local_cas[@]}" "$1/cas/"
}

work=$(mktemp -d /tmp/podium-bases.XXXXXX)
trap 'rm -rf "$work"' EXIT

# ---- runtime base: debootstrap minbase, trimmed like the official slim images.
if ! current "$RUNTIME_IMAGE" "$base_recipe"; then
  if [ ! -f "$ROOTFS/.complete" ] || [ "$force" = 1 ]; then
    echo "debootstrap bookworm minbase into $ROOTFS (about a minute)"
    # debootstrap mounts /proc and /sys in the root while it works; never delete through a mount.
    if findmnt -rn -o TARGET | grep -q "^$ROOTFS/"; then die "file systems mounted under $ROOTFS: unmount them first"; fi
    rm -rf "$ROOTFS"; mkdir -p "$ROOTFS"
    if ! nice -n 10 debootstrap --variant=minbase bookworm "$ROOTFS" "$MIRROR" >"$work/debootstrap.log" 2>&1; then
      umount "$ROOTFS/proc" "$ROOTFS/sys" 2>/dev/null || true
      tail -n 20 "$work/debootstrap.log" >&2
      die "debootstrap failed"
    fi
    cat >"$ROOTFS/etc/apt/sources.list" <<SOURCES
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SOURCES
    # What debian:bookworm-slim leaves out, for the packages installed later too.
    cat >"$ROOTFS/etc/dpkg/dpkg.cfg.d/docker-slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-exclude /usr/share/lintian/*
SLIM
    cat >"$ROOTFS/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
APT::Install-Recommends "false";
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
Dir::Cache::pkgcache ""; Dir::Cache::srcpkgcache "";
CLEAN
    find "$ROOTFS/usr/share/doc" -mindepth 2 ! -name copyright -delete 2>/dev/null || true
    rm -rf "$ROOTFS"/usr/share/{man,info,locale,lintian}/* "$ROOTFS"/var/cache/apt/* \
      "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/log/*.log "$ROOTFS"/var/log/apt/*
    touch "$ROOTFS/.complete"
  fi
  echo "importing $RUNTIME_IMAGE"
  old=$(old_id "$RUNTIME_IMAGE")
  tar -C "$ROOTFS" --exclude=./.complete -c . | docker import \
    --change "LABEL $label=$base_recipe" --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'CMD ["bash"]' - "$RUNTIME_IMAGE" >/dev/null
  drop_old "$old" "$RUNTIME_IMAGE"
fi

# ---- Rust builder: the runtime root, the C toolchain the crates' build scripts need, Rust 1.95.
if ! current "$RUST_IMAGE" "$builder_recipe"; then
  echo "building $RUST_IMAGE from the host's $RUST_TOOLCHAIN"
  old=$(old_id "$RUST_IMAGE")
  mkdir -p "$work/rust/toolchain"
  cp -a "$toolchain"/{bin,lib,libexec,etc} "$work/rust/toolchain/"
  local_cas_into "$work/rust"
  cat >"$work/rust/Dockerfile" <<DOCKERFILE
FROM $RUNTIME_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates gcc libc6-dev pkg-config make git \\
 && rm -rf /var/lib/apt/lists/*
COPY cas/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
COPY toolchain/ /usr/local/rust/
ENV PATH=/usr/local/cargo/bin:/usr/local/rust/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \\
    CARGO_HOME=/usr/local/cargo \\
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
RUN mkdir -p /usr/local/cargo && cargo --version && rustc --version
LABEL $label=$builder_recipe
DOCKERFILE
  DOCKER_BUILDKIT=0 nice -n 10 docker build --force-rm -t "$RUST_IMAGE" "$work/rust" >"$work/rust.log" 2>&1 \
    || { tail -n 30 "$work/rust.log" >&2; die "building $RUST_IMAGE failed"; }
  drop_old "$old" "$RUST_IMAGE"
fi

# ---- Node 20: the runtime root and the host's node binary and npm package.
if ! current "$NODE_IMAGE" "$builder_recipe"; then
  echo "building $NODE_IMAGE from the host's node $("$node_bin" --version)"
  old=$(old_id "$NODE_IMAGE")
  mkdir -p "$work/node/npm"
  cp "$node_bin" "$work/node/node"
  local_cas_into "$work/node"
  cp -a "$npm_dir"/. "$work/node/npm/"
  cat >"$work/node/Dockerfile" <<DOCKERFILE
FROM $RUNTIME_IMAGE
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates libstdc++6 \\
 && rm -rf /var/lib/apt/lists/*
COPY cas/ /usr/local/share/ca-certificates/
RUN update-ca-certificates >/dev/null
ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
COPY node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \\
 && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \\
 && node --version && npm --version
LABEL $label=$builder_recipe
DOCKERFILE
  DOCKER_BUILDKIT=0 nice -n 10 docker build --force-rm -t "$NODE_IMAGE" "$work/node" >"$work/node.log" 2>&1 \
    || { tail -n 30 "$work/node.log" >&2; die "building $NODE_IMAGE failed"; }
  drop_old "$old" "$NODE_IMAGE"
fi

echo "$RUNTIME_IMAGE $RUST_IMAGE $NODE_IMAGE"
