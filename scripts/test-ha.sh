#!/usr/bin/env bash
# High availability, tested for real (issue 14): three hosts (network namespaces on one bridge)
# carry a pg_auto_failover formation — node A (the first primary) with Podium 1, node B (its
# synchronous standby), and the monitor with Podium 2 on host C — and Nginx on the test's side
# balances across the two Podium processes, which reach PostgreSQL through a multi-host URL with
# target_session_attrs=read-write. Under write and read load: host C is cut off (link down) and
# healed (Nginx routes around it, no GET fails, Podium 2 catches up to the same standings); the
# primary is killed (-9) (the standby takes over within 30 s, every acknowledged write is read
# back, failed requests and recovery time are reported, /readyz goes red then green); the old
# primary is started again and rejoins as a standby. Figures are printed as "figure: …".
# Ends with `ha: N passed, M failed`; stops every process and deletes every namespace it made.
# shellcheck disable=SC2317 # functions run through check, wait_for and the EXIT trap
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-ha.sh
Environment: PODIUM_BIN (default target/debug/podium, built when missing),
  HA_TEST_NET (default 10.231.14: hosts .1 .2 .3, the test's side .254),
  HA_TEST_PG_PORT (default 6440: monitor, node A +1, node B +2; each its own Unix socket),
  KEEP_WORK=1 keeps the work folder.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/netns.sh
. scripts/lib/netns.sh
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
STARTED=$SECONDS
ms() { date +%s%3N; }
figure() { echo "  figure: $*"; }

NET=${HA_TEST_NET:-10.231.14}
PG_BASE=${HA_TEST_PG_PORT:-6440}
A=podium-ha-a-$$ B=podium-ha-b-$$ C=podium-ha-c-$$
A_ADDR=$NET.1 B_ADDR=$NET.2 C_ADDR=$NET.3 GW=$NET.254
BR=pha$$br
MON_PORT=$PG_BASE A_PG=$((PG_BASE + 1)) B_PG=$((PG_BASE + 2))
HTTP_PORT=8080
BOARD=ha
TOKEN=ha-test-token-$$
PGBIN=/usr/lib/postgresql/15/bin

finish() {
  echo
  cleanup
  if ip netns list | grep -q "podium-ha-[a-z]-$$" || ip link show | grep -q "pha$$"; then
    bad "namespaces, links or the bridge left behind"
  elif [ "${WORK_MADE:-0}" = 1 ] && [ "${KEEP_WORK:-0}" != 1 ] && [ -e "$WORK" ]; then
    bad "work folder left behind"
  else
    ok "clean-up: every process stopped, namespaces, links and the bridge deleted"
  fi
  echo "ha tests took $((SECONDS - STARTED)) s"
  stage_result ha
}

step "static checks"
check "shellcheck" shellcheck -x scripts/test-ha.sh scripts/lib/netns.sh
check "ha-load.py compiles" python3 -m py_compile scripts/lib/ha-load.py

step "dependencies"
need=()
for p in postgresql-15 postgresql-15-auto-failover pg-auto-failover-cli nginx curl iproute2; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi
PODIUM_BIN=${PODIUM_BIN:-$REPO/target/debug/podium}
if [ ! -x "$PODIUM_BIN" ]; then
  SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium
fi

WORK=$(mktemp -d /tmp/podium-ha-test.XXXXXX)
WORK_MADE=1
chmod 755 "$WORK"
objcopy --strip-debug "$PODIUM_BIN" "$WORK/podium"
CLEANED=0
cleanup() {
  [ "$CLEANED" = 0 ] || return 0
  CLEANED=1
  touch "$WORK/stop" 2>/dev/null || true
  [ -f "$WORK/nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/nginx/nginx.pid")" 2>/dev/null
  for pid in $(jobs -p); do kill "$pid" 2>/dev/null || true; done
  netns_cleanup
  [ "${FORWARD_RULE:-0}" = 0 ] || iptables -D FORWARD -i "$BR" -o "$BR" -j ACCEPT 2>/dev/null || true
  wait 2>/dev/null || true
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "three hosts on one bridge ($A_ADDR, $B_ADDR, $C_ADDR; this side $GW)"
if netns_bridge "$BR" "$GW/24" &&
  netns_on_bridge "$A" "pha$$a" "pha$$ax" "$BR" "$A_ADDR/24" "$GW" &&
  netns_on_bridge "$B" "pha$$b" "pha$$bx" "$BR" "$B_ADDR/24" "$GW" &&
  netns_on_bridge "$C" "pha$$c" "pha$$cx" "$BR" "$C_ADDR/24" "$GW"; then
  ok "namespaces on a bridge"
  # Docker's FORWARD policy is DROP and, with br_netfilter, bridged frames go through it: let
  # this bridge's own traffic pass (the rule is removed at the end).
  if [ "$(sysctl -n net.bridge.bridge-nf-call-iptables 2>/dev/null || echo 0)" = 1 ] && command -v iptables >/dev/null; then
    iptables -I FORWARD -i "$BR" -o "$BR" -j ACCEPT && FORWARD_RULE=1
  fi
else
  bad "network namespaces"; finish
fi

# pg_autoctl as the postgres user in a host, with its state in the node's folder.
autoctl() { # NS NODE ARGS...
  local ns=$1 node=$2
  shift 2
  in_netns "$ns" runuser -u postgres -- env PATH="$PGBIN:/usr/bin:/bin" \
    XDG_CONFIG_HOME="$WORK/$node/config" XDG_DATA_HOME="$WORK/$node/share" pg_autoctl "$@"
}
MONITOR="postgres://autoctl_node@$C_ADDR:$MON_PORT/pg_auto_failover?sslmode=disable"
monitor_sql() { psql "postgres://postgres@$C_ADDR:$MON_PORT/pg_auto_failover?sslmode=disable" -XAtqc "$1"; }
state_of() { monitor_sql "select reportedstate from pgautofailover.node where nodename = '$1'"; }
is_state() { # NODE STATE...
  local s
  s=$(state_of "$1") || return 1
  shift
  [[ " $* " == *" $s "* ]]
}
allow_network() { # NODE: trust the test's network (pg_hba is the test's, --skip-pg-hba)
  printf 'host all all %s.0/24 trust\nhost replication all %s.0/24 trust\n' "$NET" "$NET" >>"$WORK/$1/pgdata/pg_hba.conf"
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$WORK/$1/pgdata" reload >/dev/null
}
node_sql() { # PORT HOST SQL
  psql "postgres://postgres@$2:$1/podium?sslmode=disable" -XAtqc "$3"
}
synchronous() { # PORT HOST: one standby is synchronous
  [ "$(node_sql "$1" "$2" "select count(*) from pg_stat_replication where sync_state in ('sync', 'quorum')")" = 1 ]
}
for n in monitor node_a node_b; do mkdir -p "$WORK/$n"; done
chown -R postgres: "$WORK/monitor" "$WORK/node_a" "$WORK/node_b"

step "pg_auto_failover: monitor on C, primary A, synchronous standby B"
t=$(ms)
autoctl "$C" monitor create monitor --pgdata "$WORK/monitor/pgdata" --pgport "$MON_PORT" \
  --hostname "$C_ADDR" --no-ssl --skip-pg-hba --run >"$WORK/monitor.log" 2>&1 &
if wait_for 60 test -S "/var/run/postgresql/.s.PGSQL.$MON_PORT" && allow_network monitor &&
  wait_for 30 monitor_sql "select 1"; then
  # Faster failure detection than the defaults (which took 51 s here): health checks every
  # second, unhealthy after 3 s, and the standby promoted 10 s after an unreachable primary was
  # asked to demote. docs/scaling.md says what these trade.
  for setting in health_check_period=1000 health_check_timeout=1000 health_check_max_retries=1 \
    health_check_retry_delay=500 node_considered_unhealthy_timeout=3000 primary_demote_timeout=10000; do
    monitor_sql "alter system set pgautofailover.${setting%%=*} = ${setting#*=}"
  done
  monitor_sql "select pg_reload_conf()" >/dev/null
  ok "monitor up on $C_ADDR:$MON_PORT, health checks tuned"
else
  bad "monitor"; tail -n 20 "$WORK/monitor.log"; finish
fi
start_node() { # NS NODE ADDR PORT
  autoctl "$1" "$2" create postgres --pgdata "$WORK/$2/pgdata" --pgport "$4" --hostname "$3" \
    --name "$2" --dbname podium --no-ssl --skip-pg-hba --monitor "$MONITOR" --run \
    >>"$WORK/$2.log" 2>&1 &
}
start_node "$A" node_a "$A_ADDR" "$A_PG"
# A Podium host cut off in the middle of a transaction leaves its session "idle in transaction"
# with its row locks (the change counter's among them) and the server never hears of it: every
# other process's writes would wait for the whole cut. PostgreSQL ends such sessions after 5 s,
# and notices a dead client on an active session through keepalives. Set before B is cloned, so
# B has the same settings (docs/scaling.md says what they trade).
server_settings() { # PORT HOST
  local setting
  for setting in "idle_in_transaction_session_timeout='5s'" tcp_keepalives_idle=5 tcp_keepalives_interval=2 tcp_keepalives_count=3; do
    node_sql "$1" "$2" "alter system set ${setting%%=*} = ${setting#*=}" || return 1
  done
  node_sql "$1" "$2" "select pg_reload_conf()" >/dev/null
}
if wait_for 90 is_state node_a single primary wait_primary && allow_network node_a && server_settings "$A_PG" "$A_ADDR"; then
  ok "node A is the primary ($A_ADDR:$A_PG)"
else
  bad "node A"; tail -n 20 "$WORK/node_a.log"; finish
fi
start_node "$B" node_b "$B_ADDR" "$B_PG"
# pg_basebackup asks A for a spread checkpoint (up to minutes on an idle server); an explicit
# one finishes it at once.
wait_for 60 grep -q "waiting for checkpoint" "$WORK/node_b.log" && node_sql "$A_PG" "$A_ADDR" "checkpoint"
if wait_for 120 is_state node_b secondary && wait_for 30 is_state node_a primary; then
  ok "node B is a secondary, A primary: formation ready in $(($(ms) - t)) ms"
else
  bad "node B"; tail -n 20 "$WORK/node_b.log"; finish
fi
sync_names=$(node_sql "$A_PG" "$A_ADDR" "show synchronous_standby_names")
if [ -n "$sync_names" ] && wait_for 20 synchronous "$A_PG" "$A_ADDR"; then
  ok "replication to B is synchronous (synchronous_standby_names = $sync_names)"
else
  bad "replication is not synchronous ('$sync_names')"
fi

step "Podium 1 on A, Podium 2 on C, one multi-host URL; Nginx in front"
DB_URL="postgres://postgres@$A_ADDR:$A_PG,$B_ADDR:$B_PG/podium?target_session_attrs=read-write&sslmode=disable"
start_podium() { # NS ADDR NAME
  in_netns "$1" env -i PATH=/usr/bin:/bin DATABASE_URL="$DB_URL" PODIUM_HTTP_ADDR="$2:$HTTP_PORT" \
    PODIUM_METRICS_ADDR=127.0.0.1:9464 PODIUM_DATA_DIR="$WORK/$3" PODIUM_API_TOKEN="$TOKEN" \
    PODIUM_MIGRATE_ON_START=false PODIUM_LOG_FORMAT=text PODIUM_LOG_LEVEL=info \
    "$WORK/podium" serve >>"$WORK/$3.log" 2>&1 &
}
ready() { curl -fsS -m 2 -o /dev/null "http://$1:$HTTP_PORT/readyz"; }
if env -i PATH=/usr/bin:/bin DATABASE_URL="$DB_URL" "$WORK/podium" migrate >"$WORK/migrate.log" 2>&1; then
  ok "podium migrate through the multi-host URL"
else
  bad "podium migrate"; tail -n 20 "$WORK/migrate.log"; finish
fi
start_podium "$A" "$A_ADDR" podium1
start_podium "$C" "$C_ADDR" podium2
if wait_for 60 ready "$A_ADDR" && wait_for 60 ready "$C_ADDR"; then
  ok "both Podium processes ready"
else
  bad "Podium did not become ready"; tail -n 20 "$WORK/podium1.log" "$WORK/podium2.log"; finish
fi
LB_PORT=$(free_port)
mkdir -p "$WORK/nginx/logs"
cat >"$WORK/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log $WORK/nginx/logs/access.log;
  client_body_temp_path $WORK/nginx/body; proxy_temp_path $WORK/nginx/proxy;
  fastcgi_temp_path $WORK/nginx/fastcgi; uwsgi_temp_path $WORK/nginx/uwsgi; scgi_temp_path $WORK/nginx/scgi;
  # Passive health checks (open-source Nginx has no active ones): a server that fails a connect
  # or times out is skipped for fail_timeout, and the request goes to the other one.
  upstream podium {
    server $A_ADDR:$HTTP_PORT max_fails=1 fail_timeout=5s;
    server $C_ADDR:$HTTP_PORT max_fails=1 fail_timeout=5s;
  }
  server {
    listen 127.0.0.1:$LB_PORT;
    location / {
      proxy_pass http://podium;
      proxy_connect_timeout 1s;
      proxy_read_timeout 15s;
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 2;
    }
  }
}
NGINX
LB=http://127.0.0.1:$LB_PORT
if nginx -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" 2>"$WORK/nginx/start.log" &&
  wait_for 10 curl -fsS "$LB/healthz" &&
  curl -fsS -o /dev/null -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -X POST "$LB/api/v1/leaderboards" -d "{\"slug\":\"$BOARD\",\"name\":\"HA\"}"; then
  ok "Nginx on 127.0.0.1:$LB_PORT balances across both; leaderboard '$BOARD' created"
else
  bad "Nginx"; cat "$WORK/nginx/start.log"; finish
fi

# load NAME: starts the load generator through Nginx until stop_load NAME.
load() {
  rm -f "$WORK/$1.stop"
  python3 scripts/lib/ha-load.py load --base "$LB" --token "$TOKEN" --board "$BOARD" \
    --out "$WORK/$1.json" --stop-file "$WORK/$1.stop" --writers 4 --readers 2 &
  LOAD_PID=$!
}
stop_load() { touch "$WORK/$1.stop"; wait "$LOAD_PID"; }
# summary NAME KIND FIELD: a number out of the load's result.
summary() {
  python3 - "$WORK/$1.json" "$2" "$3" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
k, f = sys.argv[2], sys.argv[3]
if f == "acked":
    print(len(d["acked"]))
elif f == "ok":
    print(sum(n for s, n in d[k]["by_status"].items() if s.startswith("2")))
elif f == "failed":
    print(sum(n for s, n in d[k]["by_status"].items() if not s.startswith("2")))
elif f == "statuses":
    print(" ".join(f"{s}:{n}" for s, n in sorted(d[k]["by_status"].items())))
else:
    print(d[k][f] if d[k][f] is not None else "")
PY
}
standings() { python3 scripts/lib/ha-load.py standings --base "http://$1:$HTTP_PORT" --board "$BOARD"; }
same_standings() {
  standings "$A_ADDR" >"$WORK/standings-1" && standings "$C_ADDR" >"$WORK/standings-2" &&
    [ -s "$WORK/standings-1" ] && cmp -s "$WORK/standings-1" "$WORK/standings-2"
}
verify_on() { python3 scripts/lib/ha-load.py verify --base "http://$1:$HTTP_PORT" --board "$BOARD" --acked "$WORK/$2.json"; }

step "cut host C (Podium 2 and the monitor) off the network under load, then heal it"
load cut
sleep 3
t_cut=$(ms)
ip link set "pha$$c" down
sleep 8
stop_load cut
t_heal=$(ms)
ip link set "pha$$c" up
figure "cut for $((t_heal - t_cut)) ms: $(summary cut reads ok) GETs answered, $(summary cut reads failed) failed ($(summary cut reads statuses)), p99 $(summary cut reads p99_ms) ms, slowest $(summary cut reads max_ms) ms; $(summary cut writes ok) writes acknowledged, $(summary cut writes failed) failed, slowest $(summary cut writes max_ms) ms"
if [ "$(summary cut reads failed)" = 0 ] && [ "$(summary cut reads ok)" -gt 0 ]; then
  ok "no GET failed while C was cut off ($(summary cut reads ok) answered through Nginx)"
else
  bad "GETs failed while C was cut off: $(summary cut reads statuses) $(summary cut reads failures)"
fi
if [ "$(summary cut writes failed)" = 0 ]; then
  ok "no write failed while C was cut off ($(summary cut writes ok) acknowledged)"
else
  bad "writes failed while C was cut off: $(summary cut writes statuses) $(summary cut writes failures)"
fi
if wait_for 90 same_standings; then
  t_caught=$(ms)
  figure "catch-up after the cut healed: $((t_caught - t_heal)) ms ($(wc -l <"$WORK/standings-1") entries)"
  ok "after healing, Podium 2 serves the same full standings as Podium 1 ($(wc -l <"$WORK/standings-1") entries, $((t_caught - t_heal)) ms)"
else
  bad "Podium 2 did not catch up: $(diff "$WORK/standings-1" "$WORK/standings-2" | head -5 | xargs)"
fi
check "every write acknowledged during the cut is on Podium 2" verify_on "$C_ADDR" cut

step "kill -9 the primary (node A) under write load"
(while [ ! -e "$WORK/stop" ]; do
  echo "$(ms) $(curl -s -o /dev/null -m 1 -w '%{http_code}' "http://$A_ADDR:$HTTP_PORT/readyz")"
  sleep 0.2
done) >"$WORK/readyz.txt" &
load failover
sleep 4
pg_user_pids() { # NS: the postgres user's processes in NS (pg_autoctl and PostgreSQL)
  local pid
  for pid in $(ip netns pids "$1"); do
    [ "$(ps -o user= -p "$pid" 2>/dev/null)" != postgres ] || echo "$pid"
  done
}
t_kill=$(ms)
# shellcheck disable=SC2046 # one pid a word
kill -9 $(pg_user_pids "$A")
if wait_for 60 is_state node_b primary wait_primary; then
  t_promoted=$(ms)
  figure "failover: node B primary $((t_promoted - t_kill)) ms after the kill"
  if [ $((t_promoted - t_kill)) -le 30000 ]; then
    ok "the standby took over in $((t_promoted - t_kill)) ms (≤ 30 s)"
  else
    bad "the standby took over in $((t_promoted - t_kill)) ms (> 30 s)"
  fi
else
  bad "node B was not promoted within 60 s (state $(state_of node_b || true))"
fi
# Load goes on until writes succeed again and a few seconds after.
write_ok_after_kill() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' -m 20 -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' \
    -X PUT "$LB/api/v1/leaderboards/$BOARD/scores/probe" -d '{"score":1}')" = 200 ]
}
wait_for 60 write_ok_after_kill || true
sleep 3
stop_load failover
first_fail=$(summary failover writes first_failure)
recovered=$(summary failover writes recovered)
figure "failover under load: $(summary failover writes ok) writes acknowledged, $(summary failover writes failed) failed ($(summary failover writes statuses)), slowest write $(summary failover writes max_ms) ms; $(summary failover reads failed) of $(($(summary failover reads ok) + $(summary failover reads failed))) GETs failed, slowest $(summary failover reads max_ms) ms"
if [ -n "$recovered" ]; then
  figure "writes failing from $((first_fail - t_kill)) ms to $((recovered - t_kill)) ms after the kill: time to recover $((recovered - t_kill)) ms"
  ok "writes recovered $((recovered - t_kill)) ms after the kill ($(summary failover writes failed) failed meanwhile)"
elif [ -z "$first_fail" ]; then
  bad "no write failed during the failover (was the primary killed?)"
else
  bad "writes did not recover after the failover"
fi
check "failed writes were answered 503 (with Retry-After), never 500" \
  python3 -c "import json,sys; d=json.load(open('$WORK/failover.json'))['writes']['by_status']; sys.exit(any(s not in ('200','503','504') for s in d))"
check "every acknowledged write is on Podium 1 after the failover" verify_on "$A_ADDR" failover
check "every acknowledged write is on Podium 2 after the failover" verify_on "$C_ADDR" failover
check "both serve the same full standings" wait_for 30 same_standings
switched() { grep -q "the pool now connects to the new database primary" "$WORK/$1.log"; }
check "both Podium processes logged their move to the new primary" eval 'switched podium1 && switched podium2'

readyz_ok() {
  python3 - "$WORK/readyz.txt" "$t_kill" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if len(l.split()) == 2]
t_kill = int(sys.argv[2])
after = [(int(t), c) for t, c in rows if int(t) >= t_kill]
red = next((t for t, c in after if c != "200"), None)
green = next((t for t, c in after if red is not None and t > red and c == "200"), None)
before = [c for t, c in rows if int(t) < t_kill]
print(f"ready before: {before[-1:] == ['200']}, red at +{red - t_kill if red else None} ms, green again at +{green - t_kill if green else None} ms")
sys.exit(0 if before[-1:] == ["200"] and red and green else 1)
PY
}
if out=$(readyz_ok); then
  ok "/readyz of Podium 1: $out"
  figure "readyz: $out"
else
  bad "/readyz did not go red then green: $out"
fi

step "restart the old primary: it rejoins as a standby"
t_restart=$(ms)
autoctl "$A" node_a run --pgdata "$WORK/node_a/pgdata" >>"$WORK/node_a.log" 2>&1 &
rejoined() { is_state node_a secondary && is_state node_b primary; }
if wait_for 120 rejoined; then
  figure "old primary rejoined as a secondary $(($(ms) - t_restart)) ms after pg_autoctl run"
  ok "node A is a secondary again, B primary ($(($(ms) - t_restart)) ms)"
else
  bad "node A did not rejoin (A $(state_of node_a || true), B $(state_of node_b || true))"; tail -n 20 "$WORK/node_a.log"
fi
check "replication to A is synchronous again" wait_for 30 synchronous "$B_PG" "$B_ADDR"
check "a write after the rejoin is acknowledged" write_ok_after_kill

finish
