#!/usr/bin/env bash
# The compile-checked queries' offline data (crates/podium-server/.sqlx).
#   prepare   regenerate it from a migrated private database
#   check     fail when it no longer matches the queries in the code
# Both need DATABASE_URL of a migrated database, or start a private cluster for the run.
set -euo pipefail
cd "$(dirname "$0")/.."

usage() {
  sed -n '2,5s/^# \{0,1\}//p' "$0"
}
mode=${1:-}
case "$mode" in
  prepare|check) ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac

crate=crates/podium-server
if [ -z "${SQLX_DATABASE_URL:-}" ]; then
  dir=$(mktemp -d /tmp/podium-sqlx.XXXXXX)
  trap 'scripts/test-pg stop "$dir"; rm -rf "$dir"' EXIT
  admin=$(scripts/test-pg start "$dir")
  psql -q "$admin" -c 'create database podium_sqlx' >/dev/null
  SQLX_DATABASE_URL=${admin/\/postgres\?//podium_sqlx?}
  for f in "$crate"/migrations/*.sql; do
    psql -q -v ON_ERROR_STOP=1 "$SQLX_DATABASE_URL" -f "$f" >/dev/null
  done
fi

out=$(mktemp -d /tmp/podium-sqlx-out.XXXXXX)
trap 'rm -rf "$out"; [ -n "${dir:-}" ] && { scripts/test-pg stop "$dir"; rm -rf "$dir"; }' EXIT
# The macros write their data where SQLX_OFFLINE_DIR points when they run online; touching a
# source file makes cargo expand them again.
touch "$crate/src/lib.rs"
SQLX_OFFLINE=false SQLX_OFFLINE_DIR="$out" DATABASE_URL="$SQLX_DATABASE_URL" \
  cargo build --locked -q -p podium-server --lib
touch "$crate/src/lib.rs"

if [ "$mode" = prepare ]; then
  rm -rf "$crate/.sqlx"
  mkdir -p "$crate/.sqlx"
  cp "$out"/*.json "$crate/.sqlx/"
  echo "wrote $(find "$crate/.sqlx" -maxdepth 1 -name "*.json" | wc -l) query files to $crate/.sqlx"
else
  if ! diff -r -q "$out" "$crate/.sqlx" >/dev/null; then
    echo "FAIL: $crate/.sqlx is stale; run 'make sqlx-prepare' and commit it:" >&2
    diff -r -q "$out" "$crate/.sqlx" >&2 || true
    exit 1
  fi
  echo "ok: $crate/.sqlx matches the queries ($(find "$out" -maxdepth 1 -name "*.json" | wc -l) files)"
fi
