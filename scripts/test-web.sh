#!/usr/bin/env bash
# The web UI's tests: install, check the generated API types against a freshly built Podium,
# type-check, lint, unit/component tests, production build with the JS budget, and end-to-end
# tests in headless Chromium against a real Podium and PostgreSQL. Ends with
# `web: N passed, M failed`. Everything it starts listens on loopback and is stopped on exit.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-web.sh [--no-e2e]
  Runs every test of web/. Screenshots go to reports/screenshots/, figures to reports/web/.
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

# step NAME COMMAND...: runs a check, counts it, shows its output only when it fails.
step() {
  local name=$1
  shift
  if "$@" >"$tmp/step.log" 2>&1; then
    echo "web: ok   $name"
    passed=$((passed + 1))
  else
    echo "web: FAIL $name"
    tail -n 60 "$tmp/step.log" | sed 's/^/    /'
    failed=$((failed + 1))
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
echo "web: installing packages"
nice -n 10 npm ci --no-audit --no-fund --loglevel=error >"$tmp/npm.log" 2>&1 || { cat "$tmp/npm.log"; echo "web: 0 passed, 1 failed"; exit 1; }

# The binary, for the OpenAPI document and the end-to-end run.
if [ -n "${PODIUM_BIN:-}" ]; then
  podium=$PODIUM_BIN
else
  echo "web: building podium"
  (cd "$root" && SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium) >"$tmp/cargo.log" 2>&1 \
    || { tail -n 40 "$tmp/cargo.log"; echo "web: $passed passed, $((failed + 1)) failed"; exit 1; }
  podium="$root/target/debug/podium"
fi

typegen_check() {
  "$podium" openapi >"$tmp/openapi.json"
  npx openapi-typescript "$tmp/openapi.json" -o "$tmp/api-schema.d.ts" >/dev/null
  if ! diff -u src/lib/api-schema.d.ts "$tmp/api-schema.d.ts"; then
    echo "The server's OpenAPI document changed: run 'npm --prefix web run typegen' after"
    echo "'target/debug/podium openapi > web/openapi.json', then fix what tsc reports."
    return 1
  fi
}
step "generated API types match the server" typegen_check
step "tsc" npx tsc -b
step "eslint" npx eslint --max-warnings 0 .

if nice -n 10 npx vitest run --reporter=default --reporter=json --outputFile="$tmp/vitest.json" >"$tmp/vitest.log" 2>&1; then :; else
  tail -n 80 "$tmp/vitest.log" | sed 's/^/    /'
fi
if [ -f "$tmp/vitest.json" ]; then
  vp=$(node -e 'const r=require(process.argv[1]);console.log(r.numPassedTests)' "$tmp/vitest.json")
  vf=$(node -e 'const r=require(process.argv[1]);console.log(r.numFailedTests + (r.success||r.numFailedTests?0:1))' "$tmp/vitest.json")
else
  vp=0 vf=1
fi
echo "web: vitest $vp passed, $vf failed"
passed=$((passed + vp))
failed=$((failed + vf))

mkdir -p "$root/reports/web"
step "vite build" nice -n 10 npx vite build
step "initial JS under 200 KB gzipped" node e2e/budget.mjs dist "$root/reports/web/bundle.json"
grep -h '^budget:' "$tmp/step.log" || true

if [ "$e2e" = 1 ]; then
  if ! command -v chromium >/dev/null; then
    echo "web: installing chromium"
    (apt-get install -y chromium >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y chromium >/dev/null; })
  fi
  db_url=$("$root/scripts/test-pg" start "$tmp/pg")
  http_port=$(free_port)
  metrics_port=$(free_port)
  api="http://127.0.0.1:$http_port"
  serve_env=(DATABASE_URL="$db_url" PODIUM_HTTP_ADDR="127.0.0.1:$http_port" PODIUM_METRICS_ADDR="127.0.0.1:$metrics_port"
    PODIUM_LOG_FORMAT=json PODIUM_LOG_LEVEL=warn)
  # Newer servers serve the UI themselves and need insecure cookies over plain http.
  conf=$(env "${serve_env[@]}" "$podium" config show 2>/dev/null || true)
  if grep -q '^web_dir' <<<"$conf"; then serve_env+=(PODIUM_WEB_DIR="$web/dist"); fi
  if grep -q '^cookie_secure' <<<"$conf"; then serve_env+=(PODIUM_COOKIE_SECURE=false); fi
  env "${serve_env[@]}" "$podium" serve >"$tmp/podium.log" 2>&1 &
  pids+=($!)
  wait_http "$api/readyz" || { tail -n 30 "$tmp/podium.log"; }

  # Accounts for the admin tests, when the server has them.
  e2e_env=(API_URL="$api" SHOTS="$root/reports/screenshots" METRICS="$root/reports/web/e2e.json")
  if "$podium" admin --help >/dev/null 2>&1; then
    pw="e2e-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    if printf '%s\n' "$pw" | env "${serve_env[@]}" "$podium" admin create-user --email admin@e2e.test --role admin >"$tmp/admin.log" 2>&1 \
      && printf '%s\n' "$pw" | env "${serve_env[@]}" "$podium" admin create-user --email viewer@e2e.test --role viewer >>"$tmp/admin.log" 2>&1; then
      e2e_env+=(E2E_ADMIN="admin@e2e.test:$pw" E2E_VIEWER="viewer@e2e.test:$pw")
      # Seeding from the test script needs a key once writes require one; the key is the last word printed.
      if key=$(env "${serve_env[@]}" "$podium" admin create-key --name e2e --scopes admin 2>>"$tmp/admin.log" | grep -o 'pk_[A-Za-z0-9_-]*' | tail -n 1) && [ -n "$key" ]; then
        e2e_env+=(E2E_TOKEN="$key")
      fi
    else
      cat "$tmp/admin.log"
    fi
  fi

  if grep -q '^web_dir' <<<"$conf"; then
    base=$api
  else
    # Older servers: Vite's preview server serves the build and proxies the API.
    ui_port=$(free_port)
    PODIUM_URL="$api" node node_modules/vite/bin/vite.js preview --host 127.0.0.1 --port "$ui_port" --strictPort >"$tmp/preview.log" 2>&1 &
    pids+=($!)
    base="http://127.0.0.1:$ui_port"
    wait_http "$base/"
  fi
  if env "${e2e_env[@]}" BASE_URL="$base" nice -n 5 node e2e/run.mjs >"$tmp/e2e.log" 2>&1; then :; fi
  cat "$tmp/e2e.log"
  ep=$(grep -c '^e2e: PASS' "$tmp/e2e.log" || true)
  ef=$(grep -c '^e2e: FAIL' "$tmp/e2e.log" || true)
  if ! grep -q '^e2e: .* passed' "$tmp/e2e.log"; then ef=$((ef + 1)); fi
  passed=$((passed + ep))
  failed=$((failed + ef))
fi

echo "web: $passed passed, $failed failed"
[ "$failed" = 0 ]
