#!/usr/bin/env bash
# The "fresh Debian 12 host" of scripts/test-iac.sh: a debootstrap root with what a Debian cloud
# image has (openssh-server, sudo, python3, an `admin` user with passwordless sudo, as cloud-init
# makes it) plus the packages the playbook installs, downloaded once (no network reaches the test
# host's namespace; the playbook's apt tasks then find them installed). Cached under
# PODIUM_CACHE (default ~/.cache/podium) in a folder named after the package list, so a change of
# the list builds a new root; prints the root's path.
set -euo pipefail

case "${1:-}" in
  -h|--help) echo "usage: scripts/iac/host-root.sh   (prints the cached root's path, building it when missing)"; exit 0 ;;
  "") ;;
  *) echo "usage: scripts/iac/host-root.sh" >&2; exit 2 ;;
esac
die() { echo "error: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null || die "debootstrap not found: run scripts/install-deps.sh"

CACHE=${PODIUM_CACHE:-$HOME/.cache/podium}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
# The cloud image's own packages, then the playbook's (deploy/ansible/roles/*/defaults/main.yml).
packages=(openssh-server sudo python3 python3-apt systemd ca-certificates iproute2 procps curl
  nftables iptables fail2ban python3-systemd unattended-upgrades apt-listchanges chrony logrotate
  nginx postgresql-15 pgbackrest age acl openssl certbot
  prometheus-node-exporter prometheus-postgres-exporter prometheus-nginx-exporter)
# Bump when the recipe below changes (the key names the cached root).
recipe=2
key=$(printf '%s\n' "$recipe" "$MIRROR" "${packages[@]}" | sha256sum | cut -c1-12)
ROOT=$CACHE/iac-root-$key
if [ -x "$ROOT/usr/sbin/sshd" ] && [ -f "$ROOT/.podium-complete" ]; then echo "$ROOT"; exit 0; fi

mkdir -p "$CACHE"
tmp=$(mktemp -d "$CACHE/iac-root-build.XXXXXX")
log=$tmp.log
cleanup() {
  local m
  for m in dev/pts dev proc sys; do mountpoint -q "$tmp/$m" 2>/dev/null && umount -l "$tmp/$m"; done
  [ -d "$tmp" ] && ! findmnt -rn -o TARGET | grep -qF "$tmp/" && rm -rf "$tmp"
  rm -f "$log"
  return 0
}
trap cleanup EXIT
echo "debootstrap bookworm minbase into $tmp (a few minutes the first time)" >&2
nice -n 10 debootstrap --variant=minbase bookworm "$tmp" "$MIRROR" >"$log" 2>&1 || { tail -n 20 "$log" >&2; die "debootstrap failed"; }
cat >"$tmp/etc/apt/sources.list" <<SRC
deb $MIRROR bookworm main
deb $MIRROR bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
SRC
# Up to date with the security archive when made, as a cloud image is on its release day (an
# upgrade pending in the root could not be downloaded by the offline test host).
# No init runs in this root: package scripts must not try to start services.
printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
chmod 755 "$tmp/usr/sbin/policy-rc.d"
mount -t proc proc "$tmp/proc"
mount --bind /dev "$tmp/dev"
mount --bind /dev/pts "$tmp/dev/pts"
mount -t sysfs sysfs "$tmp/sys"
if ! DEBIAN_FRONTEND=noninteractive nice -n 10 chroot "$tmp" sh -c \
  "apt-get update -qq && apt-get dist-upgrade -y -qq && apt-get install -y -qq --no-install-recommends ${packages[*]}" >>"$log" 2>&1; then
  tail -n 30 "$log" >&2; die "apt-get install in the root failed"
fi
for m in dev/pts dev proc sys; do umount "$tmp/$m"; done
# The cloud image's user: `admin` with passwordless sudo (Debian's AWS images, cloud-init).
chroot "$tmp" useradd -m -s /bin/bash -G sudo admin
echo 'admin ALL=(ALL) NOPASSWD:ALL' >"$tmp/etc/sudoers.d/90-cloud-init-users"
chmod 440 "$tmp/etc/sudoers.d/90-cloud-init-users"
chroot "$tmp" apt-get clean
touch "$tmp/.podium-complete"
rm -rf "$ROOT"
mv "$tmp" "$ROOT"
echo "$ROOT"
