#!/usr/bin/env bash
# Installs the Debian packages the test suite needs (idempotent). As root it installs them; as a
# user it uses sudo when that works without a password, else prints the one command to run.
set -euo pipefail

usage() {
  echo "usage: scripts/install-deps.sh   install the Debian packages the tests need"
}
case "${1:-}" in -h|--help) usage; exit 0 ;; esac

# procps (ps) and shellcheck: `make dev` and its test (scripts/dev.sh, scripts/test-dev.sh);
# acl (setfacl): the stack's 0750 folder that Nginx and Prometheus may only traverse;
# docker.io, docker-compose, debootstrap: the images and Compose files (scripts/test-containers.sh);
# postgresql-15-auto-failover, pg-auto-failover-cli: PostgreSQL failover (scripts/test-ha.sh);
# debootstrap, openssh, iproute2, age, python3-venv (ansible, checkov), openssl, curl: the test
# host of scripts/test-iac.sh (nftables, fail2ban and the rest are installed in its own root).
packages=(postgresql-15 postgresql-client-15 valgrind pgbackrest age openssh-server openssh-client iproute2
  procps shellcheck acl docker.io docker-compose debootstrap postgresql-15-auto-failover pg-auto-failover-cli
  python3-venv openssl curl)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" = 0 ]; then
  sudo=()
elif sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "missing packages; run: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
