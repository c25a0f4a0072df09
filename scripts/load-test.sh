#!/usr/bin/env bash
# HTTP load test of Podium against the issue's targets, on this machine, end to end:
# builds the release binary, starts a private PostgreSQL cluster and Podium on loopback, seeds a
# leaderboard, runs wrk for rank reads and durable score writes, restarts Podium to measure the
# start-up index load and resident memory, stops everything it started (also on failure), and
# writes reports/load/{REPORT.md,results.json,latency.svg}. See --help.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/load-test.sh [options]

Measures, on this machine (load generator included):
  1. GET  /api/v1/leaderboards/load/entries/{participant}  on a 1M-entry board  (> 20,000 req/s, p99 < 5 ms)
  2. PUT  /api/v1/leaderboards/load/scores/{participant}   durable writes        (> 10,000 req/s, p99 < 20 ms)
  3. start-up index load of the filled board (< 3 s) and RSS per indexed entry (< 150 bytes)
  and the seeding throughput (ENTRIES via batch POSTs of 10,000).

options:
  --entries N          entries to seed (default 1000000)
  --duration S         seconds of each measured wrk run (default 20)
  --warmup S           seconds of an unrecorded wrk run before each measured one (default 3)
  --connections N      wrk connections (default 64)
  --threads N          wrk threads (default 2)
  --new-ratio R        share of writes to participants not seeded yet (default 0.2)
  --db-connections N   PODIUM_DB_MAX_CONNECTIONS for Podium (default: Podium's own, 16)
  --quick              smoke run: 100000 entries, 5 s runs, 1 s warm-up
  --out DIR            where the report goes (default reports/load)
  --no-build           use the existing target/release/podium
  --keep-workdir       keep the cluster data and logs (they are kept anyway on failure)
  -h, --help           this text

Needs: wrk (installed with apt-get when missing and run as root), PostgreSQL 15+, python3,
curl, top. A full run takes about 4 minutes after the build.
USAGE
}

# Messages go to fd 3, the script's own stderr, even from inside a redirected command.
exec 3>&2
die() {
  printf 'load-test: %s\n' "$*" >&3
  exit 1
}
log() { printf '==> %s\n' "$*" >&3; }

need_int() {
  [[ $2 =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive whole number, got '$2'"
}

entries=1000000
duration=20
warmup=3
connections=64
threads=2
new_ratio=0.2
db_connections=""
mode=full
out=""
build=1
keep=0
command_line="scripts/load-test.sh $*"

while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --entries) need_int "$1" "${2:-}"; entries=$2; shift 2 ;;
    --duration) need_int "$1" "${2:-}"; duration=$2; shift 2 ;;
    --warmup)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--warmup needs a whole number of seconds, got '${2:-}'"
      warmup=$2; shift 2 ;;
    --connections) need_int "$1" "${2:-}"; connections=$2; shift 2 ;;
    --threads) need_int "$1" "${2:-}"; threads=$2; shift 2 ;;
    --new-ratio)
      [[ ${2:-} =~ ^(0(\.[0-9]+)?|1(\.0+)?)$ ]] || die "--new-ratio needs a number from 0 to 1, got '${2:-}'"
      new_ratio=$2; shift 2 ;;
    --db-connections) need_int "$1" "${2:-}"; db_connections=$2; shift 2 ;;
    --quick) mode=quick; entries=100000; duration=5; warmup=1; shift ;;
    --out) [ -n "${2:-}" ] || die "--out needs a folder"; out=$2; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep-workdir) keep=1; shift ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
((threads <= connections)) || die "--threads ($threads) cannot exceed --connections ($connections)"
((threads <= 1000)) || die "--threads is limited to 1000 (the write script's id stride)"

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=${out:-$root/reports/load}
board=load
# Writes require this token (as in production); the lua write script sends it.
token="load-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# ------------------------------------------------------------------ tools

install_pkgs() {
  [ "$(id -u)" = 0 ] || die "missing $*: install with sudo apt-get install -y $*"
  log "installing $* with apt-get"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || die "apt-get could not install $*"
  fi
}

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v curl >/dev/null || missing+=(curl)
command -v top >/dev/null || missing+=(procps)
((${#missing[@]} == 0)) || install_pkgs "${missing[@]}"
command -v python3 >/dev/null || die "python3 is needed for seeding and the report"
pg_bindir=""
for v in 18 17 16 15; do
  if [ -x "/usr/lib/postgresql/$v/bin/psql" ]; then pg_bindir=/usr/lib/postgresql/$v/bin; break; fi
done
[ -n "$pg_bindir" ] || die "PostgreSQL 15+ is not installed: sudo apt-get install -y postgresql-15 (or run scripts/install-deps.sh)"
psql=$pg_bindir/psql

# ------------------------------------------------------------------ build

bin=$root/target/release/podium
if ((build)); then
  log "building the release binary (cargo waits if another build holds the lock)"
  SQLX_OFFLINE=true cargo build --release --locked -p podium-server --bin podium
fi
[ -x "$bin" ] || die "$bin is missing: build it with 'make release' or drop --no-build"

# ------------------------------------------------------------------ lifecycle

workdir=$(mktemp -d "${TMPDIR:-/tmp}/podium-load.XXXXXX")
chmod 0755 "$workdir" # the cluster runs as the postgres user and lives inside
pgdir=$workdir/pg
podium_pid=""
helper_pids=()
cluster_started=0

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

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  # A signal may land inside a function whose output is redirected to a file: undo that.
  exec >&3 2>&3
  local p
  for p in "${helper_pids[@]}"; do
    pkill -TERM -P "$p" 2>/dev/null || true
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  stop_podium
  if ((cluster_started)); then
    scripts/test-pg stop "$pgdir" || true
  fi
  if ((rc == 0 && !keep)); then
    rm -rf "$workdir"
  else
    printf 'load-test: logs and data kept in %s\n' "$workdir" >&2
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

http_port=""
metrics_port=""
ready_wall=""

# start_podium NAME: starts Podium on the load database, logs to $workdir/podium-NAME.log,
# waits for /readyz and sets podium_pid and ready_wall (seconds from exec to ready).
start_podium() {
  local name=$1
  http_port=$(free_port)
  metrics_port=$(free_port)
  local unset_args=() v
  for v in $(compgen -e); do
    case "$v" in PODIUM_* | RUST_LOG) unset_args+=(-u "$v") ;; esac
  done
  local env_args=(
    "DATABASE_URL=postgres://postgres@localhost/podium_load?host=$pgdir"
    "PODIUM_HTTP_ADDR=127.0.0.1:$http_port"
    "PODIUM_METRICS_ADDR=127.0.0.1:$metrics_port"
    "PODIUM_LOG_FORMAT=json"
    "PODIUM_LOG_LEVEL=warn,podium::feed=info,podium::app=info"
    "PODIUM_API_TOKEN=$token"
  )
  [ -z "$db_connections" ] || env_args+=("PODIUM_DB_MAX_CONNECTIONS=$db_connections")
  local t0
  t0=$(date +%s.%N)
  env "${unset_args[@]}" "${env_args[@]}" "$bin" serve >"$workdir/podium-$name.log" 2>&1 &
  podium_pid=$!
  local i
  for ((i = 0; i < 6000; i++)); do
    if ! kill -0 "$podium_pid" 2>/dev/null; then
      tail -n 20 "$workdir/podium-$name.log" >&2
      podium_pid=""
      die "podium exited during start-up (log above: $workdir/podium-$name.log)"
    fi
    if curl -fsS -o /dev/null "http://127.0.0.1:$http_port/readyz" 2>/dev/null; then
      ready_wall=$(python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$t0" "$(date +%s.%N)")
      log "podium ($name, pid $podium_pid) ready on 127.0.0.1:$http_port after ${ready_wall}s"
      return 0
    fi
    sleep 0.05
  done
  die "podium was not ready after 300 s (log: $workdir/podium-$name.log)"
}

rss_kb() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

scrape() {
  curl -fsS "http://127.0.0.1:$metrics_port/metrics" >"$1" || die "could not read podium's /metrics"
}

facts=$workdir/facts.txt
fact() { printf '%s=%s\n' "$1" "$2" >>"$facts"; }

# ------------------------------------------------------------------ CPU accounting (from /proc)

clk_tck=$(getconf CLK_TCK)

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

cpu_mark() {
  local busy total
  read -r busy total < <(machine_ticks)
  echo "$(proc_ticks "$podium_pid") $(postgres_ticks) $busy $total"
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

# A top snapshot halfway through a run: the whole machine, then Podium's threads (in that
# list, the line whose id is Podium's pid shows the whole process, not the main thread).
top_snapshot() {
  local file=$1 delay=$2
  sleep "$delay"
  {
    echo "# top, whole machine (second frame of two, 1 s apart)"
    top -b -n2 -d1 -w 200 | awk '/^top - /{n++} n==2 && c++ < 25'
    echo
    echo "# top -H, podium threads (second frame; the line with TID = PID $podium_pid is the whole process)"
    top -b -n2 -d1 -H -w 200 -p "$podium_pid" | awk '/^top - /{n++} n==2 && c++ < 30'
  } >"$file" 2>&1 || true
}

# run_wrk TEST SCRIPT: warm-up, then the measured run with CPU accounting and a top snapshot.
run_wrk() {
  local test=$1 script=$2 url="http://127.0.0.1:$http_port"
  if ((warmup > 0)); then
    log "$test: ${warmup}s warm-up"
    PODIUM_LOAD_NEW_BASE=900000000 run_waited wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$script" "$url" \
      >"$workdir/$test-warmup.wrk.txt" 2>&1 || die "wrk warm-up failed: $(tail -n 5 "$workdir/$test-warmup.wrk.txt")"
  fi
  [ "$test" != write ] || scrape "$workdir/write-metrics-before.txt"
  log "$test: wrk -t$threads -c$connections -d${duration}s --latency -s ${script#"$root"/}"
  top_snapshot "$workdir/$test-top.txt" $((duration / 2)) &
  helper_pids+=($!)
  local before after
  before=$(cpu_mark)
  run_waited wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$script" "$url" \
    >"$workdir/$test.wrk.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$workdir/$test.wrk.txt")"
  after=$(cpu_mark)
  wait "${helper_pids[-1]}" 2>/dev/null || true
  unset 'helper_pids[-1]'
  cpu_record "$test" "$before" "$after"
  [ "$test" != write ] || scrape "$workdir/write-metrics-after.txt"
  grep -E 'Requests/sec|Latency |99%' "$workdir/$test.wrk.txt" | sed 's/^/    /' >&2
  grep -q '^PODIUM_WRK_JSON ' "$workdir/$test.wrk.txt" || die "wrk printed no results for $test (see $workdir/$test.wrk.txt)"
}

# ------------------------------------------------------------------ the run

export PODIUM_LOAD_BOARD=$board PODIUM_LOAD_ENTRIES=$entries PODIUM_LOAD_TOKEN=$token
export PODIUM_LOAD_NEW_RATIO=$new_ratio PODIUM_LOAD_NEW_BASE=$((entries + 1))

commit=$(git rev-parse HEAD 2>/dev/null || echo unknown)
dirty=0
[ -z "$(git status --porcelain --untracked-files=no -- crates Cargo.toml Cargo.lock 2>/dev/null)" ] || dirty=1
{
  echo "# facts measured by scripts/load-test.sh"
  echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "command=$command_line"
  echo "git_commit=$commit"
  echo "git_dirty=$dirty"
  echo "binary_version=$("$bin" version 2>/dev/null | head -n1)"
  echo "nproc=$(nproc)"
  echo "cpu_model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
  echo "mem_total_kb=$(awk '/^MemTotal:/ { print $2 }' /proc/meminfo)"
  echo "kernel=$(uname -r)"
  echo "wrk_version=$(wrk --version 2>&1 | head -n1 | awk '{ print $1, $2 }')"
  echo "mode=$mode"
  echo "entries=$entries"
  echo "duration_s=$duration"
  echo "warmup_s=$warmup"
  echo "connections=$connections"
  echo "threads=$threads"
  echo "new_ratio=$new_ratio"
  echo "db_max_connections=$db_connections"
} >"$facts"

# Other work on the machine skews every figure: measure it and say so in the report.
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

log "starting a private PostgreSQL cluster in $pgdir"
cluster_started=1
admin=$(scripts/test-pg start "$pgdir")
"$psql" "$admin" -v ON_ERROR_STOP=1 -qc 'create database podium_load' >/dev/null
fact pg_version "$("$psql" "$admin" -Atc 'show server_version')"
fact pg_settings "$("$psql" "$admin" -Atc "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level')")"

log "starting podium on the empty database (RSS baseline)"
start_podium empty
fact empty_ready_wall_s "$ready_wall"
sleep 1
fact rss_empty_kb "$(rss_kb "$podium_pid")"

log "seeding $entries entries in batches of 10000"
run_waited python3 scripts/load/seed.py --port "$http_port" --board "$board" --entries "$entries" --batch 10000 \
  --token "$token" >"$workdir/seed.json" || die "seeding failed"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("    %.0f entries/s (%.1f s)" % (d["entries_per_s"], d["seconds"]))' "$workdir/seed.json" >&2
fact rss_after_seed_kb "$(rss_kb "$podium_pid")"

# A quick sanity check that reads answer with a rank before measuring them.
probe=$(curl -fsS "http://127.0.0.1:$http_port/api/v1/leaderboards/$board/entries/player-$(printf '%07d' "$entries")") \
  || die "GET entries/player-$(printf '%07d' "$entries") failed after seeding"
grep -q '"rank"' <<<"$probe" || die "the entry has no rank: $probe"

run_wrk read "$root/scripts/load/read-rank.lua"

log "restarting podium on the filled database (start-up load and RSS)"
stop_podium
start_podium loaded
fact loaded_ready_wall_s "$ready_wall"
sleep 1
fact rss_loaded_kb "$(rss_kb "$podium_pid")"
scrape "$workdir/loaded-metrics.txt"

run_wrk write "$root/scripts/load/write-score.lua"
fact rss_after_writes_kb "$(rss_kb "$podium_pid")"

if grep -q '"level":"ERROR"' "$workdir"/podium-*.log; then
  log "podium logged errors during the run:"
  grep -h '"level":"ERROR"' "$workdir"/podium-*.log | head -n 5 >&2
fi
stop_podium

python3 scripts/load/report.py --run "$workdir" --out "$out"
