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

# shellcheck source=scripts/lib/bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"

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

cd "$root"
out=${out:-$root/reports/load}
board=load
# Writes require this token (as in production); the lua write script sends it.
token="load-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# ------------------------------------------------------------------ tools

need_bench_tools
command -v python3 >/dev/null || die "python3 is needed for seeding and the report"
find_pg

# ------------------------------------------------------------------ build

build_podium "use the existing target/release/podium with --no-build"

# ------------------------------------------------------------------ lifecycle

start_workdir podium-load
snapshot_podium
podium_log_level="warn,podium::feed=info,podium::app=info"
[ -z "$db_connections" ] || podium_extra_env=("PODIUM_DB_MAX_CONNECTIONS=$db_connections")

facts=$workdir/facts.txt

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

{
  common_facts "$command_line"
  echo "mode=$mode"
  echo "entries=$entries"
  echo "duration_s=$duration"
  echo "warmup_s=$warmup"
  echo "connections=$connections"
  echo "threads=$threads"
  echo "new_ratio=$new_ratio"
  echo "db_max_connections=$db_connections"
} >"$facts"

measure_background

start_cluster podium_load
fact pg_version "$("$psql" "$db_url" -Atc 'show server_version')"
fact pg_settings "$("$psql" "$db_url" -Atc "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level')")"

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

podium_log_errors
stop_podium

python3 scripts/load/report.py --run "$workdir" --out "$out"
