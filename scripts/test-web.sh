#!/usr/bin/env bash
# The web UI's tests: install, check the generated API types against a freshly built Podium,
# type-check, lint, unit/component tests, production build with the JS budget, and end-to-end
# tests in headless Chromium against a real Podium (serving web/dist itself) and PostgreSQL.
# Every check is mandatory: a skipped, waiting or missing test counts as failed, and so does a
# set-up step (accounts, API key, the UI being served) that does not work. Ends with
# `web: N passed, M failed`; exits 0 only on a full pass. Everything it starts listens on
# loopback and is stopped on exit.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-web.sh [--no-e2e]
  Runs every test of web/. A full run (with the end-to-end tests) rewrites reports/web/
  (REPORT.md, bundle.json, e2e.json) and reports/screenshots/ from its own results.
  --no-e2e  only the checks that need no server or browser; reports/ is left alone.
  Env: PODIUM_BIN (skip the cargo build and use this binary), KEEP_TMP=1 (keep the temp folder).
USAGE
}
e2e=1
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --no-e2e) e2e=0 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
web="$root/web"
reports="$root/reports/web"
shots="$root/reports/screenshots"
tmp=$(mktemp -d /tmp/podium-web.XXXXXX)
chmod 755 "$tmp" # PostgreSQL runs as its own user and must reach its folder inside
passed=0
failed=0
pids=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  if [ -d "$tmp/pg" ]; then "$root/scripts/test-pg" stop "$tmp/pg" || true; fi
  if [ "${KEEP_TMP:-0}" != 1 ]; then rm -rf "$tmp"; fi
}
trap cleanup EXIT

# say LINE: prints a result line and keeps it for the report.
say() {
  echo "$1"
  echo "$1" >>"$tmp/results.log"
}

# step NAME COMMAND...: runs a check, counts it, shows its output only when it fails. A
# function run as a check runs without errexit (bash ignores it there): chain its commands.
step() {
  local name=$1
  shift
  if "$@" >"$tmp/step.log" 2>&1; then
    say "web: ok   $name"
    passed=$((passed + 1))
  else
    say "web: FAIL $name"
    tail -n 60 "$tmp/step.log" | sed 's/^/    /'
    failed=$((failed + 1))
    return 1
  fi
}

# fatal: the run cannot go on (what failed was printed above); ends with the summary line.
fatal() {
  say "web: stopped early: the remaining checks need what failed"
  say "web: $passed passed, $failed failed"
  exit 1
}

# must NAME COMMAND...: a check the rest of the run depends on.
must() {
  step "$@" || fatal
}

# prepare NAME COMMAND...: set-up that is not itself a check (not counted when it works), but
# without which the run cannot go on (counted as a failure when it does not).
prepare() {
  local name=$1
  shift
  if "$@" >"$tmp/step.log" 2>&1; then
    echo "web: set-up: $name"
  else
    say "web: FAIL set-up: $name"
    tail -n 60 "$tmp/step.log" | sed 's/^/    /'
    failed=$((failed + 1))
    fatal
  fi
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_http() {
  local url=$1
  for _ in $(seq 1 120); do
    if curl -fsS -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.5
  done
  echo "timed out waiting for $url" >&2
  return 1
}

cd "$web"
prepare "npm ci" nice -n 10 npm ci --no-audit --no-fund --loglevel=error

# The binary, for the OpenAPI document and the end-to-end run.
if [ -n "${PODIUM_BIN:-}" ]; then
  podium=$PODIUM_BIN
else
  podium="$root/target/debug/podium"
  build_podium() { (cd "$root" && SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium); }
  prepare "cargo build of podium" build_podium
fi

typegen_check() {
  "$podium" openapi >"$tmp/openapi.json" || return 1
  npx openapi-typescript "$tmp/openapi.json" -o "$tmp/api-schema.d.ts" >/dev/null || return 1
  if ! diff -u src/lib/api-schema.d.ts "$tmp/api-schema.d.ts"; then
    echo "The server's OpenAPI document changed: run 'npm --prefix web run typegen' after"
    echo "'target/debug/podium openapi > web/openapi.json', then fix what tsc reports."
    return 1
  fi
}
step "generated API types match the server" typegen_check || true
step "tsc" npx tsc -b || true
step "eslint" npx eslint --max-warnings 0 . || true

# Vitest: every test must pass; a skipped or todo test, a file that fails to load, or a
# non-zero exit without a failed test each count as a failure.
vitest_rc=0
nice -n 10 npx vitest run --reporter=default --reporter=json --outputFile="$tmp/vitest.json" >"$tmp/vitest.log" 2>&1 || vitest_rc=$?
if [ -f "$tmp/vitest.json" ]; then
  read -r vp vf vs < <(node -e '
    const r = require(process.argv[1]);
    const skipped = r.numPendingTests + r.numTodoTests;
    const broken = r.numFailedTests + skipped ? 0 : (r.success ? 0 : 1);
    console.log(r.numPassedTests, r.numFailedTests + broken, skipped);' "$tmp/vitest.json") || true
fi
vp=${vp:-0} vf=${vf:-1} vs=${vs:-0}
vf=$((vf + vs))
if [ "$vitest_rc" != 0 ] && [ "$vf" = 0 ]; then vf=1; fi
if [ "$vf" != 0 ]; then tail -n 80 "$tmp/vitest.log" | sed 's/^/    /'; fi
say "web: vitest $vp passed, $vf failed ($vs skipped or todo, counted as failed)"
passed=$((passed + vp))
failed=$((failed + vf))

must "vite build" nice -n 10 npx vite build
step "initial JS under 200 KB gzipped" node e2e/budget.mjs dist "$tmp/bundle.json" || true
grep -h '^budget:' "$tmp/step.log" | tee -a "$tmp/results.log" || true

if [ "$e2e" = 0 ]; then
  say "web: end-to-end tests not run (--no-e2e)"
  say "web: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

if ! command -v chromium >/dev/null; then
  install_chromium() { apt-get install -y chromium || { apt-get update && apt-get install -y chromium; }; }
  prepare "install chromium" install_chromium
fi
pg_start() { "$root/scripts/test-pg" start "$tmp/pg" >"$tmp/db_url"; }
prepare "PostgreSQL for the end-to-end tests" pg_start
db_url=$(cat "$tmp/db_url")
http_port=$(free_port)
metrics_port=$(free_port)
api="http://127.0.0.1:$http_port"
# Podium serves the built UI itself; cookies go over plain http on loopback.
serve_env=(DATABASE_URL="$db_url" PODIUM_HTTP_ADDR="127.0.0.1:$http_port" PODIUM_METRICS_ADDR="127.0.0.1:$metrics_port"
  PODIUM_LOG_FORMAT=json PODIUM_LOG_LEVEL=warn PODIUM_WEB_DIR="$web/dist" PODIUM_COOKIE_SECURE=false)

config_check() {
  env "${serve_env[@]}" "$podium" config show >"$tmp/config.toml" || return 1
  cat "$tmp/config.toml"
  grep -Fxq "web_dir = \"$web/dist\"" "$tmp/config.toml" || { echo "podium does not take PODIUM_WEB_DIR"; return 1; }
  grep -Fxq 'cookie_secure = false' "$tmp/config.toml" || { echo "podium does not take PODIUM_COOKIE_SECURE"; return 1; }
}
must "podium config takes the UI folder and plain-http cookies" config_check

env "${serve_env[@]}" "$podium" serve >"$tmp/podium.log" 2>&1 &
pids+=($!)
ready_check() { wait_http "$api/readyz" || { tail -n 30 "$tmp/podium.log"; return 1; }; }
prepare "podium starts and is ready" ready_check

# The UI is Podium's own: the root and a deep link (the single-page fallback) both answer
# with the index.html of this build.
ui_check() {
  local path
  for path in / "/leaderboards/some-board"; do
    curl -fsS "$api$path" >"$tmp/index.html" || { echo "GET $path failed"; return 1; }
    cmp "$tmp/index.html" dist/index.html || { echo "GET $path is not web/dist/index.html:"; head -c 400 "$tmp/index.html"; echo; return 1; }
  done
}
must "podium serves web/dist" ui_check

# The accounts and the admin API key every admin test needs, made with the admin CLI.
accounts() {
  local pw key
  pw="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '%s\n' "$pw" | env "${serve_env[@]}" "$podium" admin create-user --email admin@e2e.test --role admin || return 1
  printf '%s\n' "$pw" | env "${serve_env[@]}" "$podium" admin create-user --email viewer@e2e.test --role viewer || return 1
  env "${serve_env[@]}" "$podium" admin create-key --name e2e --scopes admin >"$tmp/key.txt" || return 1
  # The key is printed once; it is the last pk_ word of the output.
  key=$(grep -o 'pk_[A-Za-z0-9_-]*' "$tmp/key.txt" | tail -n 1) || { echo "no key in: $(cat "$tmp/key.txt")"; return 1; }
  printf '%s\n' "admin@e2e.test:$pw" "viewer@e2e.test:$pw" "$key" >"$tmp/e2e-secrets"
}
must "admin CLI creates the e2e admin, viewer and API key" accounts
{ read -r e2e_admin; read -r e2e_viewer; read -r e2e_token; } <"$tmp/e2e-secrets"

# The tests run.mjs has, by name: each must print a PASS line, whatever happens in the run.
list_e2e() { node e2e/run.mjs --list >"$tmp/e2e-planned.txt" && test -s "$tmp/e2e-planned.txt"; }
prepare "list the end-to-end tests" list_e2e
LC_ALL=C sort "$tmp/e2e-planned.txt" >"$tmp/e2e-planned.sorted"
if [ "$(LC_ALL=C sort -u "$tmp/e2e-planned.txt" | wc -l)" != "$(wc -l <"$tmp/e2e-planned.txt")" ]; then
  say "web: FAIL two end-to-end tests have the same name"
  fatal
fi
planned=$(wc -l <"$tmp/e2e-planned.txt")

mkdir -p "$reports" "$shots"
rm -f "$shots"/*.png "$reports/e2e.json"
e2e_rc=0
env BASE_URL="$api" SHOTS="$shots" METRICS="$reports/e2e.json" \
  E2E_ADMIN="$e2e_admin" E2E_VIEWER="$e2e_viewer" E2E_TOKEN="$e2e_token" \
  timeout 900 nice -n 5 node e2e/run.mjs >"$tmp/e2e.log" 2>&1 || e2e_rc=$?
cat "$tmp/e2e.log"

sed -n 's/^e2e: PASS \(.*\) ([0-9]* ms)$/\1/p' "$tmp/e2e.log" | LC_ALL=C sort >"$tmp/e2e-passed.sorted"
ep=$(LC_ALL=C comm -12 "$tmp/e2e-planned.sorted" "$tmp/e2e-passed.sorted" | wc -l)
ef=$((planned - ep))
while IFS= read -r name; do
  say "web: FAIL e2e did not pass: $name"
done < <(LC_ALL=C comm -23 "$tmp/e2e-planned.sorted" "$tmp/e2e-passed.sorted")
# A full pass also means: exit code 0, one PASS line per planned test and nothing else.
odd=$(grep -Ec '^e2e: (WAITING|SKIP)' "$tmp/e2e.log" || true)
if [ "$e2e_rc" != 0 ] || [ "$odd" != 0 ] || [ "$(wc -l <"$tmp/e2e-passed.sorted")" != "$planned" ]; then
  say "web: FAIL e2e run: exit code $e2e_rc, $(wc -l <"$tmp/e2e-passed.sorted") PASS lines for $planned tests, $odd waiting/skipped"
  if [ "$ef" = 0 ]; then ef=1; fi
fi
say "web: e2e $ep passed, $ef failed (of $planned tests)"
passed=$((passed + ep))
failed=$((failed + ef))

say "web: $passed passed, $failed failed"
cp "$tmp/bundle.json" "$reports/bundle.json" 2>/dev/null || rm -f "$reports/bundle.json"
node e2e/report.mjs "$reports" "$shots" "$tmp/results.log" "$tmp/e2e-planned.txt" "$("$podium" version)" \
  "$(git -C "$root" rev-parse --short HEAD)" \
  || { echo "web: could not write $reports/REPORT.md"; exit 1; }
[ "$failed" = 0 ]
