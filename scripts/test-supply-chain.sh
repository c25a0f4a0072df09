#!/usr/bin/env bash
# Supply chain (issue 16): cargo-deny over the dependency graph — licences (deny.toml's allow
# list), bans (no OpenSSL, no wildcard versions; duplicates reported), sources (crates.io
# only) — after a self-test showing the licence check fails when a licence in use is taken off
# the list. Advisories need the RustSec database from GitHub and npm's audit endpoint, neither
# reachable from this machine: they are checked when present here and always in CI
# (.github/workflows/ci.yml, job `advisories`); the stage says plainly which ran.
# Ends with `supply-chain: N passed, M failed`.
set -euo pipefail
case "${1:-}" in
  -h|--help) echo "usage: scripts/test-supply-chain.sh   (env PODIUM_TOOLS_DIR, default ~/.cache/podium/tools)"; exit 0 ;;
  "") ;;
  *) echo "usage: scripts/test-supply-chain.sh" >&2; exit 2 ;;
esac
REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
CARGO_DENY_VERSION=0.20.2
tools=${PODIUM_TOOLS_DIR:-$HOME/.cache/podium/tools}
work=$(mktemp -d /tmp/podium-test-supply-chain.XXXXXX)
trap 'rm -rf "$work"' EXIT

step "cargo-deny $CARGO_DENY_VERSION"
deny=$tools/bin/cargo-deny
if ! "$deny" --version 2>/dev/null | grep -qx "cargo-deny $CARGO_DENY_VERSION"; then
  echo "building cargo-deny $CARGO_DENY_VERSION from crates.io into $tools (once per machine)"
  if ! nice -n 10 cargo install --locked --quiet --version "$CARGO_DENY_VERSION" --root "$tools" cargo-deny; then
    bad "install cargo-deny $CARGO_DENY_VERSION"
    stage_result supply-chain
  fi
fi
ok "cargo-deny $CARGO_DENY_VERSION at $deny"

step "self-test: a licence in use taken off the list fails the check"
sed '/^  "MIT",$/d' deny.toml >"$work/deny-no-mit.toml"
if grep -q '"MIT",' "$work/deny-no-mit.toml"; then
  bad "could not take MIT off the list for the self-test"
elif "$deny" --locked check --config "$work/deny-no-mit.toml" licenses >"$work/self.log" 2>&1; then
  bad "the licence check passed with MIT refused: it cannot fail"
else
  ok "the licence check refuses the graph when MIT is not allowed"
fi

step "licences, bans and sources"
if "$deny" --locked check licenses bans sources >"$work/deny.log" 2>&1; then
  ok "cargo deny check licenses bans sources: $(tail -n 1 "$work/deny.log")"
else
  bad "cargo deny check licenses bans sources"
  grep -E '^(error|warning)\[' -A6 "$work/deny.log" | grep -v 'duplicate' | head -n 40 || true
fi
echo "  duplicate crate versions in the graph (reported, not refused): $(grep -c '^warning\[duplicate\]' "$work/deny.log" || true)"

step "advisories"
if [ -d "$HOME/.cargo/advisory-db" ] || [ -d "$HOME/.cargo/advisory-dbs" ]; then
  check "cargo deny check advisories (local RustSec copy, not fetched)" \
    "$deny" --locked check --disable-fetch advisories
else
  echo "  not run here: the RustSec database comes from GitHub, which this machine cannot reach;"
  echo "  CI runs 'cargo deny check advisories' (.github/workflows/ci.yml, job advisories)"
fi
if (cd web && timeout 60 npm audit --omit=dev --audit-level=high >"$work/npm-audit.log" 2>&1); then
  ok "npm audit --omit=dev: no high or critical finding"
elif grep -q 'audit endpoint returned an error\|ENOTFOUND\|ECONNREFUSED' "$work/npm-audit.log"; then
  echo "  not run here: npm's audit endpoint answered: $(grep -m1 'npm warn audit' "$work/npm-audit.log" || echo unreachable);"
  echo "  CI runs 'npm audit --omit=dev --audit-level=high' (job advisories)"
else
  bad "npm audit --omit=dev found high or critical advisories"
  tail -n 30 "$work/npm-audit.log"
fi
echo
stage_result supply-chain
