# shellcheck shell=bash
# Monitoring of the native stack (sourced by deploy/local/stack after deploy/lib/common.sh):
# node, postgres, nginx and blackbox exporters, Prometheus and Alertmanager from Debian's
# packages, plus a small local Slack-compatible receiver for the alerts. Loopback only; every
# daemon runs as the `prometheus` user when the stack runs as root. State:
#
#   $STACK_DIR/monitoring/
#     textfile/            node exporter textfile collector (podium_deploy.prom, podium_backup.prom)
#     prometheus/          prometheus.yml (deploy/prometheus/render), rules/, data/
#     alertmanager/        alertmanager.yml (deploy/alertmanager/render), templates/, secrets/, data/
#     blackbox.yml         deploy/blackbox/blackbox.yml + the stack CA and server name
#     alerts.jsonl         what the local receiver got (one JSON notification a line)
#     run/NAME.pid|spec    pid and configuration hash of each daemon; logs/NAME.log
#
# `up` restarts a daemon only when its command line or configuration changed (idempotent).

MON_DAEMONS=(node-exporter postgres-exporter nginx-exporter blackbox-exporter alert-receiver alertmanager prometheus)

mon_dir() { echo "$STACK_DIR/monitoring"; }
mon_enabled() { [ "${V_MONITORING:-on}" = on ]; }
mon_user() { if [ "$(id -u)" = 0 ] && id prometheus >/dev/null 2>&1; then echo prometheus; fi; }

mon_need() {
  local missing=() pair
  for pair in prometheus:prometheus promtool:prometheus prometheus-alertmanager:prometheus-alertmanager \
    amtool:prometheus-alertmanager prometheus-node-exporter:prometheus-node-exporter \
    prometheus-postgres-exporter:prometheus-postgres-exporter prometheus-nginx-exporter:prometheus-nginx-exporter \
    prometheus-blackbox-exporter:prometheus-blackbox-exporter; do
    command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
  done
  [ ${#missing[@]} = 0 ] && return 0
  # Packages start no daemon here (and the stack never uses their systemd units).
  say "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -q "${missing[@]}" >/dev/null; } \
    || die "cannot install ${missing[*]} (apt-get install -y ${missing[*]}, or MONITORING=off in PODIUM_STACK_ENV)"
}

# The URL of the local receiver, the default of secrets/chat_webhook_url.
mon_local_webhook() { echo "http://$V_ALERT_RECEIVER_LISTEN/hooks/podium"; }

# Start NAME unless it already runs with the same SPEC (configuration hash) and command line.
# usage: mon_daemon NAME SPEC [--env-file FILE] CMD...
mon_daemon() {
  local name=$1 spec=$2 envfile="" d user want
  shift 2
  if [ "${1:-}" = --env-file ]; then envfile=$2; shift 2; fi
  d=$(mon_dir)
  user=$(mon_user)
  want=$(printf '%s\n' "$spec" "$user" "$@" | sha256sum | cut -c1-16)
  if pid_alive "$d/run/$name.pid" && [ "$(cat "$d/run/$name.spec" 2>/dev/null)" = "$want" ]; then
    return 0
  fi
  mon_stop "$name"
  # fd 9 may be the deploy lock: daemons must not inherit it. Secrets go through the
  # environment (read by root here), never the command line.
  ( exec 9>&-
    if [ -n "$envfile" ]; then
      local k v
      while IFS='=' read -r k v; do [ -n "$k" ] && export "$k=$v"; done <"$envfile"
    fi
    if [ -n "$user" ]; then
      exec setsid setpriv --reuid="$user" --regid="$user" --init-groups "$@" >>"$d/logs/$name.log" 2>&1 </dev/null
    else
      exec setsid "$@" >>"$d/logs/$name.log" 2>&1 </dev/null
    fi ) &
  echo $! >"$d/run/$name.pid"
  echo "$want" >"$d/run/$name.spec"
  MON_STARTED+=("$name")
}

# SIGTERM, SIGKILL after 10 s; returns once the daemon has exited (fails if it has not).
mon_stop() {
  local name=$1 f pid
  f=$(mon_dir)/run/$name.pid
  if pid_alive "$f"; then
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null || true
    if ! wait_exit "$pid" 10; then
      kill -KILL "$pid" 2>/dev/null || true
      wait_exit "$pid" 10 || { echo "$name (pid $pid) survived SIGKILL" >&2; return 1; }
    fi
  fi
  rm -f "$f"
}

mon_state() {
  local f; f=$(mon_dir)/run/$1.pid
  if pid_alive "$f"; then echo "running (pid $(cat "$f"))"; else echo stopped; fi
}

# Wait for URL to answer (any daemon started in this run); fail with the daemon's log.
# With ANY, any HTTP answer will do (the receiver only accepts POSTs).
mon_wait() { # NAME URL [any]
  local i f code; f=$(mon_dir)/run/$1.pid
  for ((i = 0; i < 150; i++)); do
    code=$(curl -sS -m 1 -o /dev/null -w '%{http_code}' "$2" 2>/dev/null || true)
    [ "$code" = 200 ] && return 0
    [ "${3:-}" = any ] && [ "${code:-000}" != 000 ] && return 0
    pid_alive "$f" || break
    sleep 0.2
  done
  tail -n 15 "$(mon_dir)/logs/$1.log" >&2
  die "$1 did not answer at $2; log: $(mon_dir)/logs/$1.log"
}

mon_sum() { cat "$@" 2>/dev/null | sha256sum | cut -c1-16; }

mon_config() {
  local d user f
  d=$(mon_dir)
  user=$(mon_user)
  mkdir -p "$d/run" "$d/logs" "$d/textfile" "$d/prometheus/rules" "$d/prometheus/data" \
    "$d/alertmanager/templates" "$d/alertmanager/data" "$d/alertmanager/secrets"
  chmod 755 "$d" "$d/textfile"
  chmod 700 "$d/alertmanager/secrets"
  [ -f "$d/alerts.jsonl" ] || : >"$d/alerts.jsonl"
  write_active_colour_metric "$(active_colour)"

  # Least-privilege PostgreSQL login (role postgres_exporter, member of pg_monitor).
  (umask 077
   printf 'DATA_SOURCE_NAME=postgresql://postgres_exporter:%s@127.0.0.1:%s/%s?sslmode=disable\n' \
     "$(cat "$STACK_DIR/secrets/db_exporter_password")" "$V_PG_PORT" "$V_PG_DATABASE" >"$d/postgres-exporter.env")

  # Alert destinations: the chat webhook URL and SMTP password are secrets (files).
  if [ -n "${PODIUM_ALERT_WEBHOOK_URL:-}" ]; then
    (umask 077; printf '%s\n' "$PODIUM_ALERT_WEBHOOK_URL" >"$STACK_DIR/secrets/chat_webhook_url")
  fi
  [ -s "$STACK_DIR/secrets/chat_webhook_url" ] || (umask 077; mon_local_webhook >"$STACK_DIR/secrets/chat_webhook_url")
  [ -s "$STACK_DIR/secrets/smtp_password" ] || (umask 077; echo "set-me" >"$STACK_DIR/secrets/smtp_password")
  for f in chat_webhook_url smtp_password; do
    install -m 600 "$STACK_DIR/secrets/$f" "$d/alertmanager/secrets/$f"
  done
  rm -f "$d/alertmanager/templates/"*.tmpl "$d/prometheus/rules/"*.yml
  cp "$DEPLOY_DIR"/alertmanager/templates/*.tmpl "$d/alertmanager/templates/"
  cp "$DEPLOY_DIR"/prometheus/rules/*.yml "$d/prometheus/rules/"
  cp "$DEPLOY_DIR/prometheus/tests/webhook_receiver.py" "$d/webhook_receiver.py"

  "$DEPLOY_DIR/alertmanager/render" --out "$d/alertmanager/alertmanager.yml" \
    --secrets-dir "$d/alertmanager/secrets" --templates-dir "$d/alertmanager/templates" \
    --smarthost "$V_ALERT_SMARTHOST" --email-from "$V_ALERT_EMAIL_FROM" --email-to "$V_ALERT_EMAIL_TO" \
    --smtp-user "$V_ALERT_SMTP_USER" --chat-channel "$V_ALERT_CHAT_CHANNEL" --timing "$V_ALERT_TIMING"
  "$DEPLOY_DIR/prometheus/render" --out "$d/prometheus/prometheus.yml" \
    --environment "$V_MONITORING_ENVIRONMENT" --host "$V_MONITORING_HOST" --rules-dir "$d/prometheus/rules" \
    --scrape-interval "$V_SCRAPE_INTERVAL" --evaluation-interval "$V_EVALUATION_INTERVAL" \
    --alertmanager "$V_ALERTMANAGER_LISTEN" --prometheus "$V_PROMETHEUS_LISTEN" \
    --podium-blue "$V_BLUE_METRICS_ADDR" --podium-green "$V_GREEN_METRICS_ADDR" \
    --node "$V_NODE_EXPORTER_LISTEN" --postgres "$V_POSTGRES_EXPORTER_LISTEN" \
    --nginx "$V_NGINX_EXPORTER_LISTEN" --blackbox "$V_BLACKBOX_LISTEN" \
    --probe-url "https://$V_HTTPS_LISTEN/readyz"
  # The blackbox modules, trusting the stack's CA and checking the certificate for SERVER_NAME
  # (which need not resolve here: the probe connects to the loopback address).
  python3 - "$DEPLOY_DIR/blackbox/blackbox.yml" "$d/blackbox.yml" "$STACK_DIR/tls/ca/ca.crt" "$V_SERVER_NAME" <<'PY'
import sys
src, out, ca, name = sys.argv[1:]
text = open(src, encoding="utf-8").read()
anchor = "      tls_config:\n        insecure_skip_verify: false\n"
if text.count(anchor) != 1:
    sys.exit(f"{src}: expected one https tls_config block to add the stack CA to")
text = text.replace(anchor, anchor + f"        ca_file: {ca}\n        server_name: {name}\n")
open(out, "w", encoding="utf-8").write("# Rendered by deploy/lib/monitoring.sh from deploy/blackbox/blackbox.yml.\n" + text)
PY
  [ -z "$user" ] || chown -R "$user:" "$d/prometheus" "$d/alertmanager" "$d/alerts.jsonl" "$d/run" "$d/logs"

  promtool check config "$d/prometheus/prometheus.yml" >"$d/logs/promtool.log" 2>&1 \
    || { cat "$d/logs/promtool.log" >&2; die "promtool rejected $d/prometheus/prometheus.yml"; }
  amtool check-config "$d/alertmanager/alertmanager.yml" >"$d/logs/amtool.log" 2>&1 \
    || { cat "$d/logs/amtool.log" >&2; die "amtool rejected $d/alertmanager/alertmanager.yml"; }
  prometheus-blackbox-exporter --config.check --config.file="$d/blackbox.yml" >"$d/logs/blackbox-check.log" 2>&1 \
    || { cat "$d/logs/blackbox-check.log" >&2; die "blackbox exporter rejected $d/blackbox.yml"; }
}

mon_up() {
  mon_enabled || return 0
  mon_need
  mon_config
  local d; d=$(mon_dir)
  MON_STARTED=()
  mon_daemon node-exporter "$(mon_sum)" prometheus-node-exporter \
    --web.listen-address="$V_NODE_EXPORTER_LISTEN" --collector.textfile.directory="$d/textfile"
  mon_daemon postgres-exporter "$(mon_sum "$d/postgres-exporter.env")" --env-file "$d/postgres-exporter.env" \
    prometheus-postgres-exporter --web.listen-address="$V_POSTGRES_EXPORTER_LISTEN"
  mon_daemon nginx-exporter "$(mon_sum)" prometheus-nginx-exporter \
    -nginx.scrape-uri="http://$V_STATUS_LISTEN/stub_status" -nginx.retries=10 -nginx.retry-interval=1s \
    -web.listen-address="$V_NGINX_EXPORTER_LISTEN"
  mon_daemon blackbox-exporter "$(mon_sum "$d/blackbox.yml" "$STACK_DIR/tls/ca/ca.crt")" prometheus-blackbox-exporter \
    --config.file="$d/blackbox.yml" --web.listen-address="$V_BLACKBOX_LISTEN"
  if [ "$(cat "$STACK_DIR/secrets/chat_webhook_url")" = "$(mon_local_webhook)" ]; then
    # The system Python: a per-user one (pyenv under /root) is not reachable by the daemon user.
    local py=/usr/bin/python3
    [ -x "$py" ] || py=$(command -v python3)
    mon_daemon alert-receiver "$(mon_sum "$d/webhook_receiver.py")" "$py" "$d/webhook_receiver.py" \
      "${V_ALERT_RECEIVER_LISTEN##*:}" "$d/alerts.jsonl"
  else
    mon_stop alert-receiver
  fi
  mon_daemon alertmanager "$(mon_sum "$d/alertmanager/alertmanager.yml" "$d/alertmanager/templates/"*.tmpl "$d/alertmanager/secrets/"*)" \
    prometheus-alertmanager --config.file="$d/alertmanager/alertmanager.yml" --storage.path="$d/alertmanager/data" \
    --web.listen-address="$V_ALERTMANAGER_LISTEN" --cluster.listen-address= \
    --web.external-url="http://$V_ALERTMANAGER_LISTEN/"
  mon_daemon prometheus "$(mon_sum "$d/prometheus/prometheus.yml" "$d/prometheus/rules/"*.yml)" \
    prometheus --config.file="$d/prometheus/prometheus.yml" --storage.tsdb.path="$d/prometheus/data" \
    --storage.tsdb.retention.time="$V_PROMETHEUS_RETENTION" --web.listen-address="$V_PROMETHEUS_LISTEN" \
    --web.external-url="http://$V_PROMETHEUS_LISTEN/" --rules.alert.resend-delay="$V_ALERT_RESEND_DELAY"
  local name
  for name in "${MON_STARTED[@]}"; do
    case "$name" in
      node-exporter) mon_wait "$name" "http://$V_NODE_EXPORTER_LISTEN/metrics" ;;
      postgres-exporter) mon_wait "$name" "http://$V_POSTGRES_EXPORTER_LISTEN/metrics" ;;
      nginx-exporter) mon_wait "$name" "http://$V_NGINX_EXPORTER_LISTEN/metrics" ;;
      blackbox-exporter) mon_wait "$name" "http://$V_BLACKBOX_LISTEN/metrics" ;;
      alert-receiver) mon_wait "$name" "http://$V_ALERT_RECEIVER_LISTEN/" any ;;
      alertmanager) mon_wait "$name" "http://$V_ALERTMANAGER_LISTEN/-/ready" ;;
      prometheus) mon_wait "$name" "http://$V_PROMETHEUS_LISTEN/-/ready" ;;
    esac
  done
}

mon_down() {
  local i rc=0
  # Prometheus first (no alert about the others going away), then the rest.
  for ((i = ${#MON_DAEMONS[@]} - 1; i >= 0; i--)); do mon_stop "${MON_DAEMONS[$i]}" || rc=1; done
  return "$rc"
}

mon_status() {
  if ! mon_enabled; then echo "monitoring:   off (MONITORING=off)"; return 0; fi
  local hook; hook=$(cat "$STACK_DIR/secrets/chat_webhook_url" 2>/dev/null || echo "-")
  printf '%-13s %s  http://%s/  (config %s/prometheus/prometheus.yml)\n' "prometheus:" "$(mon_state prometheus)" "$V_PROMETHEUS_LISTEN" "$(mon_dir)"
  printf '%-13s %s  http://%s/  (chat webhook: %s; email: %s)\n' "alertmanager:" "$(mon_state alertmanager)" "$V_ALERTMANAGER_LISTEN" \
    "$([ "$hook" = "$(mon_local_webhook)" ] && echo "local receiver" || echo "secrets/chat_webhook_url")" "${V_ALERT_EMAIL_TO:-off}"
  if [ "$hook" = "$(mon_local_webhook)" ]; then
    printf '%-13s %s  %s  -> %s/alerts.jsonl\n' "  receiver:" "$(mon_state alert-receiver)" "$hook" "$(mon_dir)"
  fi
  printf '%-13s %s  http://%s/metrics  (textfile %s/textfile)\n' "node-exp:" "$(mon_state node-exporter)" "$V_NODE_EXPORTER_LISTEN" "$(mon_dir)"
  printf '%-13s %s  http://%s/metrics  (role postgres_exporter, pg_monitor)\n' "postgres-exp:" "$(mon_state postgres-exporter)" "$V_POSTGRES_EXPORTER_LISTEN"
  printf '%-13s %s  http://%s/metrics  (stub_status %s)\n' "nginx-exp:" "$(mon_state nginx-exporter)" "$V_NGINX_EXPORTER_LISTEN" "$V_STATUS_LISTEN"
  printf '%-13s %s  http://%s/  (probes https://%s/readyz as %s)\n' "blackbox:" "$(mon_state blackbox-exporter)" "$V_BLACKBOX_LISTEN" "$V_HTTPS_LISTEN" "$V_SERVER_NAME"
  echo "  logs:       $(mon_dir)/logs/"
}
