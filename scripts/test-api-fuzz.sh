#!/usr/bin/env bash
# OpenAPI-driven fuzzing of a running Podium (issue 16): schemathesis (PyPI, in a venv of its
# own under ~/.cache/podium) generates requests from the server's /api/openapi.json for every
# operation, as every kind of caller — anonymous, viewer, editor, admin, and API keys of each
# scope, one limited to a single leaderboard — and checks that no response is a server error,
# that status codes, content types, headers and bodies are the documented ones, and that no
# change succeeds which the authorization table forbids the caller (scripts/adversarial/).
# First a self-test proves that last check can fail. Ends with `apifuzz: N passed, M failed`.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-api-fuzz.sh [--seconds N] [--summary FILE]
  --seconds N     time budget per caller (default 12; the long run of reports/reliability: 300)
  --summary FILE  copy the run's JSON summary (requests, callers, failures) there
Env: PODIUM_BIN (use this binary instead of building one), KEEP_WORK=1 keeps the work folder,
  PODIUM_FUZZ_VENV (default ~/.cache/podium/adversarial-venv).
USAGE
}
seconds=12
summary=
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --summary) summary=${2:?--summary needs a file}; shift 2 ;;
    *) usage >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
SCHEMATHESIS_VERSION=4.32.5
venv=${PODIUM_FUZZ_VENV:-$HOME/.cache/podium/adversarial-venv}
work=$(mktemp -d /tmp/podium-test-api-fuzz.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as postgres and must reach its folder
pids=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  scripts/test-pg stop "$work/pg" >/dev/null 2>&1 || true
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "work folder kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
finish() { echo; stage_result apifuzz; }

step "schemathesis $SCHEMATHESIS_VERSION"
install_schemathesis() { python3 -m venv "$venv" && "$venv/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"; }
if ! "$venv/bin/st" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  install_schemathesis || { bad "install schemathesis $SCHEMATHESIS_VERSION from PyPI"; finish; }
fi
ok "schemathesis $SCHEMATHESIS_VERSION in $venv"

step "Podium on a private PostgreSQL"
podium=${PODIUM_BIN:-target/debug/podium}
if [ -z "${PODIUM_BIN:-}" ]; then
  SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium \
    || { bad "build podium (set PODIUM_BIN to use a built binary)"; finish; }
fi
admin_url=$(scripts/test-pg start "$work/pg") || { bad "start a private PostgreSQL"; finish; }
psql -q "$admin_url" -c 'create database podium_fuzz' >/dev/null
db_url=${admin_url/\/postgres\?//podium_fuzz?}
http_port=$(free_port)
metrics_port=$(free_port)
serve_env=(DATABASE_URL="$db_url" PODIUM_HTTP_ADDR="127.0.0.1:$http_port" PODIUM_METRICS_ADDR="127.0.0.1:$metrics_port"
  PODIUM_LOG_FORMAT=json PODIUM_LOG_LEVEL=warn PODIUM_COOKIE_SECURE=false)
env "${serve_env[@]}" "$podium" migrate >"$work/migrate.log" 2>&1 || { bad "podium migrate"; cat "$work/migrate.log"; finish; }

# The people and keys each run is made as; the password and keys never reach the output.
# shellcheck disable=SC2317 # called through check
accounts() {
  local pw role scope out
  pw="fz-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  for role in viewer editor admin; do
    printf '%s\n' "$pw" | env "${serve_env[@]}" "$podium" admin create-user --email "$role@fuzz.test" --role "$role" >/dev/null || return 1
  done
  : >"$work/keys"
  for scope in read scores:write matches:write admin; do
    out=$(env "${serve_env[@]}" "$podium" admin create-key --name "fuzz-${scope/:/-}" --scopes "$scope") || return 1
    printf '%s %s\n' "$scope" "$(grep -o 'pk_[A-Za-z0-9_-]*' <<<"$out" | tail -n 1)" >>"$work/keys"
  done
  out=$(env "${serve_env[@]}" "$podium" admin create-key --name fuzz-limited --scopes scores:write --leaderboards fz-public) || return 1
  printf 'limited %s\n' "$(grep -o 'pk_[A-Za-z0-9_-]*' <<<"$out" | tail -n 1)" >>"$work/keys"
  PW=$pw KEYS=$work/keys python3 - >"$work/secrets.json" <<'PY'
import json, os
keys = dict(line.split() for line in open(os.environ["KEYS"]))
print(json.dumps({"password": os.environ["PW"], "keys": keys,
                  "users": {r: f"{r}@fuzz.test" for r in ("viewer", "editor", "admin")}}))
PY
  chmod 600 "$work/secrets.json" "$work/keys"
}
check "accounts and API keys made with the admin CLI" accounts

env "${serve_env[@]}" "$podium" serve >"$work/podium.log" 2>&1 &
pids+=($!)
if wait_for 60 curl -fsS "http://127.0.0.1:$http_port/readyz"; then ok "Podium ready on 127.0.0.1:$http_port"; else
  bad "Podium ready"; tail -n 20 "$work/podium.log"; finish
fi

fuzz() { # OUT_DIR ARGS...: the driver's lines go to the output; its exit status says clean or not
  local out=$1
  shift
  "$venv/bin/python" scripts/adversarial/api_fuzz.py --base "http://127.0.0.1:$http_port" \
    --metrics "http://127.0.0.1:$metrics_port/metrics" --secrets "$work/secrets.json" --out "$out" "$@"
}

step "self-test: the authorization check fails on a forbidden write"
if fuzz "$work/self-test" --seconds 8 --self-test >"$work/self-test.log" 2>&1; then
  bad "the authorization check let the admin key's writes pass as anonymous: it cannot fail"
  cat "$work/self-test.log"
elif grep -q "Custom check failed: .authorization_respected." "$work/self-test.log"; then
  ok "the authorization check caught writes an anonymous caller may not make"
else
  bad "self-test failed for another reason"
  cat "$work/self-test.log"
fi

step "every operation as every caller, $seconds s each"
rc=0
fuzz "$work/runs" --seconds "$seconds" 2>&1 | tee "$work/runs.log" || rc=$?
passed=$((passed + $(grep -c '^  ok   ' "$work/runs.log" || true)))
failed=$((failed + $(grep -c '^  FAIL ' "$work/runs.log" || true)))
if [ "$rc" != 0 ] && ! grep -q '^  FAIL ' "$work/runs.log"; then bad "the fuzzing driver failed (exit $rc)"; fi
requests=$(sed -n 's/.* \([0-9]*\) requests served$/\1/p' "$work/runs.log")
if [ -n "$summary" ] && [ -f "$work/runs/summary.json" ]; then cp "$work/runs/summary.json" "$summary"; fi
echo "  requests served in the runs: ${requests:-unknown}"

# Nothing the fuzzing sent may have killed or wedged the server.
if curl -fsS "http://127.0.0.1:$http_port/readyz" >/dev/null && kill -0 "${pids[0]}" 2>/dev/null; then
  ok "Podium still ready after the fuzzing"
else
  bad "Podium is not ready after the fuzzing"
  tail -n 30 "$work/podium.log"
fi
if grep -q '"level":"ERROR"' "$work/podium.log" && grep -q 'panicked' "$work/podium.log"; then
  bad "a handler panicked: $(grep -m1 panicked "$work/podium.log")"
else
  ok "no handler panicked"
fi
finish
