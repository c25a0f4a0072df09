# shellcheck shell=bash
# What the benchmark scripts (scripts/load-test.sh, scripts/league-bench.sh) share. Sourced, not
# executed, right after `set -euo pipefail`. Sets root (the repository) and bench_name ($0 without
# .sh, the prefix of error messages), and offers:
#   messages   die, log (to fd 3, the script's own stderr), need_int
#   tools      install_pkgs, need_bench_tools (wrk, curl, top), need_reference_tools (redis-server,
#              redis-cli, redis-benchmark, nginx), find_pg (sets psql)
#   binary     build_podium HINT (sets bin), snapshot_podium (measures a copy in the work dir)
#   lifecycle  start_workdir PREFIX (work dir, pgdir, cleanup trap), start_cluster DB (sets
#              db_url), start_podium NAME / stop_podium, podium_env, run_waited, stop_helper
#   references start_redis NAME [ARG…] (sets redis_port, redis_pid, redis_ready_s), start_nginx
#              NAME WORKERS (sets nginx_port, nginx_pid), stop_reference PID; cleanup stops them
#   measures   now, elapsed, free_port, fact, common_facts, measure_background, rss_kb, scrape,
#              podium_log_errors, CPU ticks from /proc (proc_ticks, tree_ticks, postgres_ticks,
#              machine_ticks, cpu_mark, cpu_record)
# The caller sets, after sourcing: build, bin, keep (from its options), token (PODIUM_API_TOKEN),
# podium_log_level, facts (the key=value file) and optionally podium_logs (where
# podium-NAME.log go; default the work dir) and podium_extra_env (more VAR=value for podium).

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bench_name=$(basename "$0" .sh)

build=1
bin=""
bin_source=""
keep=0
token=""
podium_log_level=warn
podium_logs=""
podium_extra_env=()
facts=""

workdir=""
pgdir=""
psql=""
db_url=""
podium_pid=""
helper_pids=()
reference_pids=()
redis_port=""
redis_pid=""
redis_ready_s=""
nginx_port=""
nginx_pid=""
cluster_started=0
http_port=""
metrics_port=""
# shellcheck disable=SC2034 # read by the scripts that source this file
ready_wall=""
clk_tck=$(getconf CLK_TCK)

# ------------------------------------------------------------------ messages

# Messages go to fd 3, the script's own stderr, even from inside a redirected command.
exec 3>&2
die() {
  printf '%s: %s\n' "$bench_name" "$*" >&3
  exit 1
}
log() { printf '==> %s\n' "$*" >&3; }

need_int() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive whole number, got '$2'"
}

# ------------------------------------------------------------------ tools

install_pkgs() {
  [ "$(id -u)" = 0 ] || die "missing $*: install with sudo apt-get install -y $*"
  log "installing $* with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get could not install $*"
  fi
}

need_bench_tools() {
  local missing=()
  command -v wrk >/dev/null || missing+=(wrk)
  command -v curl >/dev/null || missing+=(curl)
  command -v top >/dev/null || missing+=(procps)
  ((${#missing[@]} == 0)) || install_pkgs "${missing[@]}"
}

# The reference servers measured beside Podium. Debian's packages; on a host without a policy
# against it, apt-get also starts their system services (the benchmarks run their own).
need_reference_tools() {
  local missing=()
  command -v redis-server >/dev/null || missing+=(redis-server)
  { command -v redis-cli && command -v redis-benchmark; } >/dev/null || missing+=(redis-tools)
  command -v nginx >/dev/null || missing+=(nginx)
  ((${#missing[@]} == 0)) || install_pkgs "${missing[@]}"
}

# Sets psql to the newest installed PostgreSQL 15+.
find_pg() {
  local v pg_bindir=""
  for v in 18 17 16 15; do
    if [ -x "/usr/lib/postgresql/$v/bin/psql" ]; then pg_bindir=/usr/lib/postgresql/$v/bin; break; fi
  done
  [ -n "$pg_bindir" ] || die "PostgreSQL 15+ is not installed: sudo apt-get install -y postgresql-15 (or run scripts/install-deps.sh)"
  psql=$pg_bindir/psql
}

# ------------------------------------------------------------------ binary

# build_podium HINT: builds the release binary unless build=0, then sets bin (if empty) to it,
# as an absolute path. HINT says how to do without a build when it fails.
build_podium() {
  if ((build)); then
    log "building the release binary (cargo waits if another build holds the lock)"
    SQLX_OFFLINE=true cargo build --release --locked -p podium-server --bin podium \
      || die "the build failed ($1)"
  fi
  bin=${bin:-$root/target/release/podium}
  [ -x "$bin" ] || die "$bin is missing: build it with 'make release' or drop --no-build"
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
}

# Measure a snapshot: the target directory is shared, and a build during the run would swap
# the binary between two podium runs. bin_source keeps where it came from.
snapshot_podium() {
  bin_source=$bin
  cp "$bin" "$workdir/podium"
  bin=$workdir/podium
}

# ------------------------------------------------------------------ lifecycle

# start_workdir PREFIX: a fresh work directory under $TMPDIR, with the cluster's place in it,
# and the traps that stop everything the script started.
start_workdir() {
  workdir=$(mktemp -d "${TMPDIR:-/tmp}/$1.XXXXXX")
  chmod 0755 "$workdir" # the cluster runs as the postgres user and lives inside
  pgdir=$workdir/pg
  trap cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

stop_podium() {
  [ -n "$podium_pid" ] || return 0
  if kill -0 "$podium_pid" 2>/dev/null; then
    kill -TERM "$podium_pid" 2>/dev/null || true
    local i
    for ((i = 0; i < 300; i++)); do
      kill -0 "$podium_pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$podium_pid" 2>/dev/null; then
      log "podium ($podium_pid) ignored SIGTERM for 30 s; killing it"
      kill -KILL "$podium_pid" 2>/dev/null || true
    fi
  fi
  wait "$podium_pid" 2>/dev/null || true
  podium_pid=""
}

stop_helper() {
  local p=$1
  pkill -TERM -P "$p" 2>/dev/null || true
  kill "$p" 2>/dev/null || true
  wait "$p" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A signal may land inside a function whose output is redirected to a file: undo that.
  exec >&3 2>&3
  local p
  for p in "${helper_pids[@]}"; do
    stop_helper "$p"
  done
  stop_podium
  for p in "${reference_pids[@]}"; do
    stop_reference "$p"
  done
  if ((cluster_started)); then
    "$root/scripts/test-pg" stop "$pgdir" || true
  fi
  if ((rc == 0 && !keep)); then
    rm -rf "$workdir"
  else
    printf '%s: logs and data kept in %s\n' "$bench_name" "$workdir" >&2
  fi
  exit "$rc"
}

# Runs a long command in the background and waits for it, so a signal to this script is
# handled at once (bash defers traps until a foreground child ends) and cleanup stops it.
run_waited() {
  "$@" &
  local pid=$! rc=0
  helper_pids+=("$pid")
  wait "$pid" || rc=$?
  unset 'helper_pids[-1]'
  return "$rc"
}

# start_cluster DB: starts the private PostgreSQL cluster in $pgdir, creates DB and sets db_url.
start_cluster() {
  log "starting a private PostgreSQL cluster in $pgdir"
  cluster_started=1
  local admin
  admin=$("$root/scripts/test-pg" start "$pgdir")
  "$psql" "$admin" -v ON_ERROR_STOP=1 -qc "create database $1" >/dev/null
  db_url="postgres://postgres@localhost/$1?host=$pgdir"
}

# ------------------------------------------------------------------ reference servers

# start_redis NAME [REDIS-SERVER-ARG…]: a private redis-server on a free loopback port, its files
# (log, AOF) in $workdir/NAME, no RDB snapshots; returns once it answers PING (not LOADING).
# Sets redis_port, redis_pid and redis_ready_s (seconds from exec to the first PONG).
start_redis() {
  local dir=$workdir/$1
  shift
  mkdir -p "$dir"
  redis_port=$(free_port)
  local t0 i
  t0=$(now)
  redis-server --bind 127.0.0.1 --port "$redis_port" --dir "$dir" --save '' \
    --logfile "$dir/redis.log" --daemonize no "$@" </dev/null >"$dir/stdout.txt" 2>&1 &
  redis_pid=$!
  reference_pids+=("$redis_pid")
  for ((i = 0; i < 60000; i++)); do
    if ! kill -0 "$redis_pid" 2>/dev/null; then
      tail -n 20 "$dir/stdout.txt" "$dir/redis.log" >&3 2>/dev/null || true
      die "redis-server exited during start-up (log above, in $dir)"
    fi
    if [ "$(redis-cli -p "$redis_port" ping 2>/dev/null)" = PONG ]; then
      # shellcheck disable=SC2034 # read by the scripts that source this file
      redis_ready_s=$(elapsed "$t0" "$(now)")
      return 0
    fi
    sleep 0.01
  done
  die "redis-server was not ready after 600 s (log: $dir/redis.log)"
}

# start_nginx NAME WORKERS: a private Nginx on a free loopback port answering every GET with
# 200 {"status":"ok"} (what Podium's /healthz sends), no access log, keep-alive without a request
# limit, its prefix in $workdir/NAME. Sets nginx_port and nginx_pid (the master).
start_nginx() {
  local dir=$workdir/$1 workers=$2 i
  mkdir -p "$dir/conf" "$dir/logs" "$dir/temp"
  nginx_port=$(free_port)
  cat >"$dir/conf/nginx.conf" <<NGINX
worker_processes $workers;
daemon off;
pid $dir/logs/nginx.pid;
error_log $dir/logs/error.log warn;
events {
  worker_connections 4096;
}
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $dir/temp/client_body;
  proxy_temp_path $dir/temp/proxy;
  fastcgi_temp_path $dir/temp/fastcgi;
  uwsgi_temp_path $dir/temp/uwsgi;
  scgi_temp_path $dir/temp/scgi;
  server {
    listen 127.0.0.1:$nginx_port;
    default_type application/json;
    location / {
      return 200 '{"status":"ok"}';
    }
  }
}
NGINX
  nginx -t -p "$dir/" -c conf/nginx.conf -e "$dir/logs/error.log" >"$dir/logs/config-test.txt" 2>&1 \
    || die "nginx rejected its configuration: $(tail -n 3 "$dir/logs/config-test.txt")"
  nginx -p "$dir/" -c conf/nginx.conf -e "$dir/logs/error.log" </dev/null >"$dir/logs/stdout.txt" 2>&1 &
  nginx_pid=$!
  reference_pids+=("$nginx_pid")
  for ((i = 0; i < 1000; i++)); do
    kill -0 "$nginx_pid" 2>/dev/null || die "nginx exited during start-up: $(tail -n 3 "$dir/logs/error.log")"
    curl -fsS -o /dev/null "http://127.0.0.1:$nginx_port/healthz" 2>/dev/null && return 0
    sleep 0.01
  done
  die "nginx was not answering after 10 s (log: $dir/logs/error.log)"
}

# stop_reference PID: SIGTERM (Redis flushes its AOF, Nginx stops its workers), SIGKILL after 30 s.
stop_reference() {
  local p=$1 i rest=()
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null || true
    for ((i = 0; i < 300; i++)); do
      kill -0 "$p" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$p" 2>/dev/null; then
      log "reference server $p ignored SIGTERM for 30 s; killing it"
      kill -KILL "$p" 2>/dev/null || true
    fi
  fi
  wait "$p" 2>/dev/null || true
  for i in "${reference_pids[@]}"; do
    [ "$i" = "$p" ] || rest+=("$i")
  done
  reference_pids=("${rest[@]}")
}

now() { date +%s.%N; }
elapsed() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$2"; }

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Execs podium with only the environment this script sets (PODIUM_* and RUST_LOG of the caller
# unset). Call it in the background (`podium_env … &`): the exec makes $! podium's own pid.
podium_env() {
  local unset_args=() v
  for v in $(compgen -e); do
    case "$v" in PODIUM_* | RUST_LOG) unset_args+=(-u "$v") ;; esac
  done
  exec env "${unset_args[@]}" \
    "DATABASE_URL=$db_url" \
    "PODIUM_HTTP_ADDR=127.0.0.1:$http_port" \
    "PODIUM_METRICS_ADDR=127.0.0.1:$metrics_port" \
    "PODIUM_LOG_FORMAT=json" \
    "PODIUM_LOG_LEVEL=$podium_log_level" \
    "PODIUM_API_TOKEN=$token" \
    "PODIUM_KEY_WRITE_RATE=1000000" \
    "PODIUM_KEY_WRITE_BURST=1000000" \
    "${podium_extra_env[@]}" \
    "$@"
}

# start_podium NAME: starts `podium serve`, logs to podium-NAME.log, waits for /readyz and sets
# podium_pid and ready_wall (seconds from exec to ready).
start_podium() {
  local name=$1 log=${podium_logs:-$workdir}/podium-$1.log
  http_port=$(free_port)
  metrics_port=$(free_port)
  local t0
  t0=$(now)
  podium_env "$bin" serve >"$log" 2>&1 &
  podium_pid=$!
  local i
  for ((i = 0; i < 12000; i++)); do
    if ! kill -0 "$podium_pid" 2>/dev/null; then
      tail -n 20 "$log" >&2
      podium_pid=""
      die "podium exited during start-up (log above: $log)"
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null; then
      ready_wall=$(elapsed "$t0" "$(now)")
      log "podium ($name, pid $podium_pid) ready on 127.0.0.1:$http_port after ${ready_wall}s"
      return 0
    fi
    sleep 0.05
  done
  die "podium was not ready after 600 s (log: $log)"
}

# Says so when podium logged errors (the first five of them).
podium_log_errors() {
  local dir=${podium_logs:-$workdir}
  if grep -q '"level":"ERROR"' "$dir"/podium-*.log; then
    log "podium logged errors during the run:"
    grep -h '"level":"ERROR"' "$dir"/podium-*.log | head -n 5 >&3
  fi
}

# ------------------------------------------------------------------ measures

fact() { printf '%s=%s\n' "$1" "$2" >>"$facts"; }

# common_facts COMMAND-LINE: the facts header every report starts with (run, git, machine).
common_facts() {
  local commit dirty=0
  commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
  [ -z "$(git status --porcelain --untracked-files=no -- crates Cargo.toml Cargo.lock 2>/dev/null)" ] || dirty=1
  echo "# facts measured by scripts/$bench_name.sh"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command=$1"
  echo "git_commit=$commit"
  echo "git_dirty=$dirty"
  echo "binary=$bin_source"
  echo "binary_version=$("$bin" version 2>/dev/null | head -n1)"
  echo "nproc=$(nproc)"
  echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "mem_total_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "wrk_version=$(wrk --version 2>&1 | head -n1 | awk '{ print $1, $2 }')"
}

# Other work on the machine skews every figure: measure it and say so in the report.
measure_background() {
  local busy0 total0 busy1 total1 background
  read -r busy0 total0 < <(machine_ticks)
  sleep 1
  read -r busy1 total1 < <(machine_ticks)
  background=$(((busy1 - busy0) * 100 / (total1 - total0 > 0 ? total1 - total0 : 1)))
  fact background_busy_pct "$background"
  fact loadavg_before "$(cut -d' ' -f1-3 /proc/loadavg)"
  if ((background > 15)); then
    log "warning: the machine is already ${background}% busy before the test; figures will be low"
    top -b -n2 -d1 -w 200 | awk '/^top - /{n++} n==2 && /^ *[0-9]/ && c++ < 5' >&2 || true
  fi
}

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

scrape() {
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$1" || die "could not read podium's /metrics"
}

# utime+stime of a process, plus its reaped children's when $2 is 1, in clock ticks.
proc_ticks() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || { echo 0; return; }
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  if [ "${2:-0}" = 1 ]; then
    echo $((f[11] + f[12] + f[13] + f[14]))
  else
    echo $((f[11] + f[12]))
  fi
}

# A process plus its live children (Nginx's master and workers; Redis and a rewrite child).
tree_ticks() {
  local total child
  total=$(proc_ticks "$1")
  for child in $(ps -o pid= --ppid "$1"); do
    total=$((total + $(proc_ticks "$child")))
  done
  echo "$total"
}

# The postmaster with its reaped children plus every live backend.
postgres_ticks() {
  local pm total child
  pm=$(head -n1 "$pgdir/data/postmaster.pid")
  total=$(proc_ticks "$pm" 1)
  for child in $(ps -o pid= --ppid "$pm"); do
    total=$((total + $(proc_ticks "$child")))
  done
  echo "$total"
}

# Busy and total ticks of the whole machine (all CPUs) from /proc/stat.
machine_ticks() {
  awk '/^cpu / { busy = $2 + $3 + $4 + $7 + $8 + $9; print busy, busy + $5 + $6 }' /proc/stat
}

# "podium postgres busy total" ticks now, for cpu_record.
cpu_mark() {
  echo "$(proc_ticks "$podium_pid") $(postgres_ticks) $(machine_ticks)"
}

# cpu_record TEST "MARK-BEFORE" "MARK-AFTER"
cpu_record() {
  local -a a b
  read -r -a a <<<"$2"
  read -r -a b <<<"$3"
  local names=(podium postgres busy total) i
  for i in 0 1 2 3; do
    fact "$1_cpu_${names[i]}_s" "$(awk -v d=$((b[i] - a[i])) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
  done
}
