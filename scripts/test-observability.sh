#!/usr/bin/env bash
# Tests the observability kit (deploy/prometheus, alertmanager, grafana, loki, blackbox, the
# runbooks): static checks (yamllint, promtool, amtool, rendered files up to date, every alert
# with its runbook and its unit tests), then an end-to-end run on loopback with real processes:
# Podium on a private PostgreSQL, node and postgres exporters, Prometheus, Alertmanager and a
# local Slack-compatible webhook receiver. Every dashboard query runs against that Prometheus;
# stopping Podium must deliver PodiumInstanceDown to the webhook, starting it the resolution.
# Ends with `observability: N passed, M failed`; stops everything it started.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help)
    echo "usage: scripts/test-observability.sh   (PODIUM_BIN=path to use a built podium binary)"
    exit 0 ;;
esac

passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
# check DESCRIPTION COMMAND...: runs COMMAND quietly, shows its output only when it fails.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | sed 's/^/       /' | tail -n 40; fi
}
step() { printf '\n==> %s\n' "$*"; }
finish() {
  echo
  echo "observability: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}

step "dependencies"
need_apt=()
for pair in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
  amtool:prometheus-alertmanager prometheus-node-exporter:prometheus-node-exporter \
  prometheus-postgres-exporter:prometheus-postgres-exporter shellcheck:shellcheck; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need_apt+=("${pair#*:}")
done
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing ${need_apt[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need_apt[@]}" >/dev/null; }
fi
if ! { python3 -c 'import yaml' && python3 -m yamllint --version; } >/dev/null 2>&1; then
  python3 -m pip install -q --disable-pip-version-check yamllint
fi
echo "prometheus $(prometheus --version 2>&1 | awk 'NR==1{print $3}'), alertmanager $(prometheus-alertmanager --version 2>&1 | awk 'NR==1{print $3}')"

work=$(mktemp -d /tmp/podium-obs.XXXXXX)
chmod 755 "$work" # PostgreSQL runs as the postgres user and needs to reach its folder
pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  scripts/test-pg stop "$work/pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "static checks"
tests=deploy/prometheus/tests
check "yamllint" python3 -m yamllint -s -c "$tests/yamllint.yml" \
  deploy/prometheus deploy/alertmanager deploy/grafana deploy/loki deploy/blackbox
check "shellcheck" shellcheck scripts/test-observability.sh deploy/prometheus/render deploy/alertmanager/render
check "prometheus.yml is render's output" diff -u deploy/prometheus/prometheus.yml <(deploy/prometheus/render)
check "alertmanager.yml is render's output" diff -u deploy/alertmanager/alertmanager.yml <(deploy/alertmanager/render)
check "dashboards are dashboards.py's output" bash -c \
  "python3 deploy/grafana/dashboards.py '$work/dash' && diff -ru deploy/grafana/dashboards '$work/dash'"
check "promtool check rules" promtool check rules deploy/prometheus/rules/*.yml
check "promtool test rules" promtool test rules "$tests"/*.test.yml
check "alerts complete, with runbooks and firing/quiet tests" \
  python3 "$tests/check_alerts.py" deploy/prometheus/rules "$tests" docs/runbooks
deploy/prometheus/render --rules-dir "$PWD/deploy/prometheus/rules" --out "$work/prometheus-prod.yml"
check "promtool check config (production rendering)" promtool check config --syntax-only "$work/prometheus-prod.yml"
deploy/alertmanager/render --templates-dir "$PWD/deploy/alertmanager/templates" --out "$work/am-prod.yml"
check "amtool check-config" amtool check-config "$work/am-prod.yml"
check "pages route to chat and email" bash -c \
  "amtool config routes test --config.file='$work/am-prod.yml' severity=page alertname=X | grep -qx page"
check "tickets route to email" bash -c \
  "amtool config routes test --config.file='$work/am-prod.yml' severity=ticket alertname=X | grep -qx ticket"
check "grafana provisioning is valid JSON/YAML" python3 -c '
import json, pathlib, sys, yaml
for p in pathlib.Path("deploy/grafana").rglob("*.yml"): yaml.safe_load(p.read_text())
for p in pathlib.Path("deploy/grafana/dashboards").glob("*.json"):
    d = json.loads(p.read_text()); assert d["uid"] and d["panels"], p'

step "a real Podium, exporters, Prometheus and Alertmanager on loopback"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_http() { # wait_http URL SECONDS
  local i
  for ((i = 0; i < $2 * 5; i++)); do curl -fsS -o /dev/null "$1" 2>/dev/null && return 0; sleep 0.2; done
  echo "no answer from $1 after $2 s" >&2
  return 1
}
if [ -n "${PODIUM_BIN:-}" ]; then
  podium=$PODIUM_BIN
else
  podium=target/debug/podium
  if ! SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium; then
    bad "build podium (set PODIUM_BIN to use a built binary)"
    finish
  fi
fi
http_port=$(free_port); metrics_port=$(free_port); node_port=$(free_port); pgexp_port=$(free_port)
prom_port=$(free_port); am_port=$(free_port); hook_port=$(free_port)

admin_url=$(scripts/test-pg start "$work/pg") || { bad "start a private PostgreSQL"; finish; }
psql -q "$admin_url" -c 'create database podium_obs' >/dev/null
db_url=${admin_url/\/postgres\?//podium_obs?}

# Writes need a key: the bootstrap token stands in for one (never printed).
api_token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
start_podium() {
  PODIUM_API_TOKEN=$api_token DATABASE_URL=$db_url PODIUM_HTTP_ADDR=127.0.0.1:$http_port PODIUM_METRICS_ADDR=127.0.0.1:$metrics_port \
    "$podium" serve >>"$work/podium.log" 2>&1 &
  podium_pid=$!
  pids+=("$podium_pid")
  wait_http "http://127.0.0.1:$http_port/readyz" 60
}
start_podium || { bad "start Podium"; tail -n 20 "$work/podium.log"; finish; }

mkdir -p "$work/textfile"
# What the backup tooling writes after a successful backup (contract: docs/observability.md).
now=$(date +%s)
cat >"$work/textfile/podium_backup.prom" <<PROM
podium_backup_last_success_timestamp_seconds{stanza="main",type="full"} $now
podium_backup_last_attempt_timestamp_seconds{stanza="main",type="full"} $now
podium_backup_last_duration_seconds{stanza="main",type="full"} 3
podium_backup_last_size_bytes{stanza="main",type="full"} 23068672
PROM
prometheus-node-exporter --web.listen-address="127.0.0.1:$node_port" \
  --collector.textfile.directory="$work/textfile" >"$work/node.log" 2>&1 &
pids+=($!)
DATA_SOURCE_NAME="postgresql://postgres@/postgres?host=$work/pg&sslmode=disable" \
  prometheus-postgres-exporter --web.listen-address="127.0.0.1:$pgexp_port" >"$work/pgexp.log" 2>&1 &
pids+=($!)
python3 "$tests/webhook_receiver.py" "$hook_port" "$work/webhook.jsonl" &
pids+=($!)

mkdir -p "$work/secrets"
echo "http://127.0.0.1:$hook_port/hooks/podium" >"$work/secrets/chat_webhook_url"
echo "not-a-real-password" >"$work/secrets/smtp_password"
# Test-only timings; SMTP points at a closed loopback port, so email attempts fail harmlessly.
deploy/alertmanager/render --secrets-dir "$work/secrets" --templates-dir "$PWD/deploy/alertmanager/templates" \
  --smarthost "127.0.0.1:$(free_port)" --timing fast --out "$work/alertmanager.yml"
prometheus-alertmanager --config.file="$work/alertmanager.yml" --storage.path="$work/am" \
  --web.listen-address="127.0.0.1:$am_port" --cluster.listen-address= >"$work/am.log" 2>&1 &
pids+=($!)

deploy/prometheus/render --environment test --rules-dir "$PWD/deploy/prometheus/rules" \
  --scrape-interval 1s --evaluation-interval 1s --alertmanager "127.0.0.1:$am_port" \
  --prometheus "127.0.0.1:$prom_port" --podium-blue "127.0.0.1:$metrics_port" --podium-green "" \
  --node "127.0.0.1:$node_port" --postgres "127.0.0.1:$pgexp_port" --nginx "" --blackbox "" \
  --out "$work/prometheus.yml"
check "promtool check config (loopback rendering)" promtool check config "$work/prometheus.yml"
prometheus --config.file="$work/prometheus.yml" --storage.tsdb.path="$work/tsdb" \
  --web.listen-address="127.0.0.1:$prom_port" --rules.alert.resend-delay=1s >"$work/prom.log" 2>&1 &
pids+=($!)
prom=http://127.0.0.1:$prom_port
check "Prometheus, Alertmanager and the exporters answer" bash -c "
  curl -fsS -o /dev/null --retry 50 --retry-delay 0 --retry-all-errors --max-time 1 $prom/-/ready &&
  curl -fsS -o /dev/null --retry 50 --retry-delay 0 --retry-all-errors --max-time 1 http://127.0.0.1:$am_port/-/ready &&
  curl -fsS -o /dev/null --retry 50 --retry-delay 0 --retry-all-errors --max-time 1 http://127.0.0.1:$node_port/metrics &&
  curl -fsS -o /dev/null --retry 50 --retry-delay 0 --retry-all-errors --max-time 1 http://127.0.0.1:$pgexp_port/metrics"

step "traffic"
api=http://127.0.0.1:$http_port/api/v1
json=(-fsS -o /dev/null -H 'content-type: application/json' -H "authorization: Bearer $api_token")
curl "${json[@]}" -X POST "$api/leaderboards" -d '{"slug":"x","name":"X"}'
for p in ann bob cat dan eve; do
  curl "${json[@]}" -X PUT "$api/leaderboards/x/scores/$p" -d "{\"score\":${#p}$RANDOM}"
done
curl "${json[@]}" "$api/leaderboards/x/entries"
curl "${json[@]}" -X POST "$api/leagues" -d '{"slug":"chess","name":"Chess","system":"elo"}'
curl "${json[@]}" -X POST "$api/leagues/chess/matches" \
  -d '{"played_at":"2026-01-01T00:00:00Z","teams":[{"participants":["a"],"rank":1},{"participants":["b"],"rank":2}]}'
curl "${json[@]}" -X POST "$api/leagues/chess/recompute"
curl -sS -o /dev/null "http://127.0.0.1:$http_port/api/v1/no-such-route"

step "Podium's exposition"
curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$work/podium.prom"
# Every metric has a description and follows Prometheus's naming rules: no finding is excused.
lint=$(promtool check metrics <"$work/podium.prom" 2>&1 || true)
if [ -z "$lint" ]; then
  ok "promtool check metrics: no finding"
else
  bad "promtool check metrics"
  printf '%s\n' "$lint" | sed 's/^/       /'
fi
missing=()
for m in podium_http_requests_total podium_http_request_duration_seconds_bucket podium_write_batch_size_bucket \
  podium_write_commit_seconds_bucket podium_score_writes_total podium_index_entries podium_startup_load_seconds \
  podium_db_pool_connections podium_changes_applied_total podium_change_feed_applied_sequence podium_ready \
  podium_build_info podium_ranking_compute_seconds_bucket; do
  grep -q "^${m}[{ ]" "$work/podium.prom" || missing+=("$m")
done
if [ ${#missing[@]} -eq 0 ]; then
  ok "Podium exports the 13 metrics the rules and dashboards read"
else
  bad "Podium does not export ${missing[*]}"
fi

step "dashboards against the real Prometheus"
# Let every job be scraped a few times after the traffic, so rates over 1m have data, and wait
# (bounded) until the recording rules have evaluated over it: a loaded machine needs longer.
sleep 6
for ((i = 0; i < 60; i++)); do
  have=$(curl -fsS --get "$prom/api/v1/query" \
    --data-urlencode 'query=count(podium:slo_availability_errors:ratio_rate5m) + count(podium:http_request_duration_seconds:p99_5m) + count(podium:slo_latency_slow:ratio_rate3d)' \
    | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else 0)' 2>/dev/null || echo 0)
  [ "${have%.*}" -ge 3 ] 2>/dev/null && break
  sleep 1
done
check "every target is up" bash -c "
  curl -fsS '$prom/api/v1/query?query=up' | python3 -c 'import json,sys; r=json.load(sys.stdin)[\"data\"][\"result\"]; d=[x[\"metric\"][\"job\"] for x in r if x[\"value\"][1]!=\"1\"]; print(len(r),\"targets, down:\",d); sys.exit(1 if d or len(r)<4 else 0)'"
# Recording rules built on other recording rules need one more evaluation each: retry a few
# times (bounded) before calling a query empty.
dashboards_ok=0
for _ in 1 2 3 4 5 6 7 8; do
  if out=$(python3 "$tests/check_dashboards.py" "$prom" deploy/grafana/dashboards 2>&1); then
    dashboards_ok=1
    break
  fi
  sleep 5
done
if [ "$dashboards_ok" = 1 ]; then
  ok "every dashboard query parses and returns data (or is parse-only as listed)"
else
  bad "dashboard queries"
fi
printf '%s\n' "$out" | sed 's/^/       /'

step "an alert end to end: stop Podium, then start it again"
started=$(date +%s)
kill "$podium_pid"
wait "$podium_pid" 2>/dev/null || true
wait_for_hook() { # wait_for_hook TEXT SECONDS
  local i
  for ((i = 0; i < $2; i++)); do
    grep -qF "$1" "$work/webhook.jsonl" 2>/dev/null && return 0
    sleep 1
  done
  return 1
}
if wait_for_hook '[FIRING:1] PodiumInstanceDown' 120; then
  ok "PodiumInstanceDown reached the webhook $(($(date +%s) - started)) s after Podium stopped"
  restarted=$(date +%s)
  if ! start_podium; then
    bad "Podium did not become ready again within 60 s of its restart"
    tail -n 20 "$work/podium.log" | sed 's/^/       /'
  elif wait_for_hook '[RESOLVED] PodiumInstanceDown' 120; then
    ok "its resolution reached the webhook $(($(date +%s) - restarted)) s after Podium started"
  else
    # Say where the resolution stopped: Prometheus's view of the target and the alert, and
    # what Alertmanager did with it.
    bad "no resolution of PodiumInstanceDown at the webhook within 120 s of Podium's restart"
    curl -fsS "$prom/api/v1/query?query=up%7Bjob%3D%22podium%22%7D" | sed 's/^/       up: /'
    echo
    curl -fsS "$prom/api/v1/alerts" | sed 's/^/       alerts: /'
    echo
    tail -n 20 "$work/am.log" | sed 's/^/       /'
    tail -n 5 "$work/webhook.jsonl" | cut -c1-300 | sed 's/^/       webhook: /'
  fi
else
  bad "PodiumInstanceDown did not reach the webhook within 120 s"
  tail -n 20 "$work/am.log" | sed 's/^/       /'
fi
if grep -qF 'docs/runbooks/PodiumInstanceDown.md' "$work/webhook.jsonl" 2>/dev/null; then
  ok "the notification links the runbook"
else
  bad "the notification lacks the runbook link"
fi

finish
