#!/usr/bin/env bash
# HTTP load test of Podium beside reference servers, on this machine, end to end: builds the
# release binary (or takes --bin), starts a private PostgreSQL cluster and Podium on loopback,
# and beside them a private Redis (the sorted-set reference: same members, redis-benchmark with
# the same connections, threads and duration) and a private Nginx (`return 200`, the HTTP floor
# for /healthz). Measures rank, around and top-100 reads, /healthz, durable writes, reads under
# half the write load, bulk load, start-up and memory; stops everything it started (also on
# failure) and writes reports/load/{REPORT.md,results.json,throughput.svg,latency.svg}. See --help.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/load-test.sh [options]

Measures, on this machine (load generators included), each scenario beside its reference:
  scenario                                   Podium (wrk)                       reference
  /healthz                                   GET /healthz                       Nginx return 200 (wrk)
  rank read                                  GET entries/{participant}          Redis ZREVRANK
  around-10                                  GET entries/{p}/around?limit=11    Redis ZREVRANK
  top-100                                    GET entries?limit=100              Redis ZREVRANGE 0 99 WITHSCORES
  durable best-score writes                  PUT scores/{participant}           Redis ZADD GT, appendfsync always
  rank reads under half the write rate       both at once                       Podium's read-only run
  bulk load (batch POSTs of 10,000)          seeding throughput                 redis-cli --pipe, ZADDs of 10,000,
                                                                                into an appendfsync-always Redis
  start-up of the filled board, RSS per entry                                   Redis: AOF restart, used_memory
Targets (issue 12): reads >= 1.0x Redis with p99 <= 1.5x Redis's; /healthz >= 0.8x Nginx;
writes >= 1.0x Redis, p99 <= 20 ms; p99 under half write load <= 2x read-only p99; bulk load
>= 0.5x Redis; start-up < 1 s and memory < 100 B/entry for 1M entries.

options:
  --entries N          entries to seed, in Podium and in Redis (default 1000000)
  --duration S         seconds of each measured run (default 20)
  --warmup S           seconds of an unrecorded run before each measured one (default 3)
  --connections N      connections of every load generator (default 64)
  --threads N          threads of every load generator (default 2)
  --new-ratio R        share of writes to participants not seeded yet (default 0.2)
  --db-connections N   PODIUM_DB_MAX_CONNECTIONS for Podium (default: Podium's own, 16)
  --quick              smoke run: 100000 entries, 5 s runs, 1 s warm-up (references included)
  --out DIR            where the report goes (default reports/load)
  --bin PATH           measure this podium binary instead of building one (implies --no-build)
  --no-build           use the existing target/release/podium
  --keep-workdir       keep the data and logs (they are kept anyway on failure)
  -h, --help           this text

Needs: wrk, curl, top, redis-server, redis-tools, nginx (installed with apt-get when missing and
run as root), PostgreSQL 15+, python3. A full run takes about 7 minutes after the build.
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
bin=""
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
      [[ ${2:-} =~ ^(0(\.[0-9]+)?|0?\.[0-9]+)$ ]] || die "--new-ratio needs a number from 0 to below 1, got '${2:-}'"
      new_ratio=$2; shift 2 ;;
    --db-connections) need_int "$1" "${2:-}"; db_connections=$2; shift 2 ;;
    --quick) mode=quick; entries=100000; duration=5; warmup=1; shift ;;
    --out) [ -n "${2:-}" ] || die "--out needs a folder"; out=$2; shift 2 ;;
    --bin) [ -n "${2:-}" ] || die "--bin needs a path"; bin=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep-workdir) keep=1; shift ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
((threads <= connections)) || die "--threads ($threads) cannot exceed --connections ($connections)"
((threads <= 1000)) || die "--threads is limited to 1000 (the write script's id stride)"
((entries >= 100)) || die "--entries needs at least 100 (the top-100 page)"

cd "$root"
out=${out:-$root/reports/load}
board=load
around_limit=11 # the participant and ten neighbours
# Writes require this token (as in production); the lua write script sends it.
token="load-test-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
# Redis's write benchmark draws members from a keyspace new_ratio larger than the seeded one, so
# that share of its ZADDs adds a member, as the same share of Podium's writes does; its scores
# come from the same range as the loaded ones, so about half the GT updates change the score.
write_keyspace=$(awk -v e="$entries" -v r="$new_ratio" 'BEGIN { printf "%d", e / (1 - r) }')

# ------------------------------------------------------------------ tools

need_bench_tools
need_reference_tools
command -v python3 >/dev/null || die "python3 is needed for seeding and the report"
find_pg
rb_threads=()
rb_help=$(redis-benchmark --help 2>&1 || true)
[[ $rb_help != *--threads* ]] || rb_threads=(--threads "$threads")

# ------------------------------------------------------------------ build

build_podium "measure an existing binary with --bin PATH or --no-build"

# ------------------------------------------------------------------ lifecycle

start_workdir podium-load
snapshot_podium
podium_log_level="warn,podium::changes=info,podium::app=info"
[ -z "$db_connections" ] || podium_extra_env=("PODIUM_DB_MAX_CONNECTIONS=$db_connections")
facts=$workdir/facts.txt
lua=$workdir/lua
ref_pid="" # the reference server a run measures (empty: Podium)

# The wrk scripts of the scenarios scripts/load has none for; they share its common.lua.
write_lua() {
  mkdir -p "$lua"
  cat >"$lua/healthz.lua" <<'LUA'
-- wrk script: GET /healthz, on Podium or on the reference Nginx.
local common = dofile(os.getenv("PODIUM_LOAD_LUA_DIR") .. "/common.lua")
local headers = { ["Accept"] = "application/json" }
function setup(thread) common.setup(thread) end
function request() return wrk.format("GET", "/healthz", headers) end
done = common.make_done("healthz")
LUA
  cat >"$lua/around.lua" <<'LUA'
-- wrk script: GET entries/{participant}/around?limit=N for random seeded participants.
local common = dofile(os.getenv("PODIUM_LOAD_LUA_DIR") .. "/common.lua")
local prefix = "/api/v1/leaderboards/" .. common.board .. "/entries/"
local suffix = "/around?limit=" .. common.env_number("PODIUM_LOAD_AROUND_LIMIT", 11)
local headers = { ["Accept"] = "application/json" }
function setup(thread) common.setup(thread) end
function init(_) common.seed_random(thread_id) end
function request()
  return wrk.format("GET", prefix .. common.participant(math.random(1, common.entries)) .. suffix, headers)
end
done = common.make_done("around")
LUA
  cat >"$lua/top100.lua" <<'LUA'
-- wrk script: GET entries?limit=100, the first page of the board.
local common = dofile(os.getenv("PODIUM_LOAD_LUA_DIR") .. "/common.lua")
local path = "/api/v1/leaderboards/" .. common.board .. "/entries?limit=100"
local headers = { ["Accept"] = "application/json" }
function setup(thread) common.setup(thread) end
function request() return wrk.format("GET", path, headers) end
done = common.make_done("top100")
LUA
  cat >"$lua/paced-write.lua" <<'LUA'
-- wrk script: the durable writes of write-score.lua, paced to PODIUM_LOAD_RATE requests/s per
-- wrk thread. Each request claims the next slot of the thread's schedule; a late request does
-- not make the next ones burst.
dofile(os.getenv("PODIUM_LOAD_LUA_DIR") .. "/write-score.lua")
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } podium_timespec;
int clock_gettime(int clock, podium_timespec *tp);
]]
local CLOCK_MONOTONIC = 1
local ts = ffi.new("podium_timespec")
local interval_ms = 1000 / tonumber(os.getenv("PODIUM_LOAD_RATE"))
local slot = 0
function delay()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, ts)
  local now = tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
  slot = math.max(slot + interval_ms, now)
  return slot - now
end
LUA
}

# gen_resp FILE BATCH: Redis's bulk-load input, ZADD commands in its wire protocol for the
# members player-000000000000 … (12 digits: the form redis-benchmark's __rand_int__ takes),
# BATCH members per command, scores drawn from [0, write_keyspace). Built before the clock runs.
gen_resp() {
  python3 - "$1" "$2" "$entries" "$write_keyspace" "$board" <<'PY'
import random
import sys

path, batch, entries, scores, key = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
rng = random.Random(1)


def bulk(b):
    return b"$%d\r\n%s\r\n" % (len(b), b)


with open(path, "wb") as f:
    for start in range(0, entries, batch):
        end = min(start + batch, entries)
        parts = [b"*%d\r\n" % (2 + 2 * (end - start)), bulk(b"ZADD"), bulk(key.encode())]
        for i in range(start, end):
            parts += (bulk(b"%d" % rng.randrange(scores)), bulk(b"player-%012d" % i))
        f.write(b"".join(parts))
PY
}

rcli() { redis-cli -h 127.0.0.1 -p "$1" "${@:2}"; }
redis_info() { rcli "$1" info "$2" | tr -d '\r' | awk -F: -v k="$3" '$1 == k { print $2 }'; }
pipe_into() { rcli "$1" --pipe <"$2"; }

# redis_load TEST PORT FILE: one timed `redis-cli --pipe` of FILE, checked for errors.
redis_load() {
  local test=$1 port=$2 t0 t1
  log "$test: redis-cli --pipe of $entries members ($(du -h "$3" | cut -f1))"
  t0=$(now)
  run_waited pipe_into "$port" "$3" >"$workdir/$test.pipe.txt" 2>&1 || die "redis-cli --pipe failed: $(tail -n 3 "$workdir/$test.pipe.txt")"
  t1=$(now)
  grep -q '^errors: 0,' "$workdir/$test.pipe.txt" || die "redis-cli --pipe reported errors: $(tail -n 1 "$workdir/$test.pipe.txt")"
  [ "$(rcli "$port" zcard "$board")" = "$entries" ] || die "$test: Redis holds $(rcli "$port" zcard "$board") members, not $entries"
  fact "${test}_s" "$(elapsed "$t0" "$t1")"
  log "    $(elapsed "$t0" "$t1") s"
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

# CPU marks: Podium's and PostgreSQL's ticks (cpu_mark) or, when ref_pid is set, the reference
# server's; cpu_record writes them as TEST_cpu_* facts.
mark() {
  if [ -n "$ref_pid" ]; then echo "$(tree_ticks "$ref_pid") $(machine_ticks)"; else cpu_mark; fi
}
record() {
  if [ -z "$ref_pid" ]; then cpu_record "$@"; return; fi
  local -a a b
  read -r -a a <<<"$2"
  read -r -a b <<<"$3"
  local names=(server busy total) i
  for i in 0 1 2; do
    fact "$1_cpu_${names[i]}_s" "$(awk -v d=$((b[i] - a[i])) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
  done
}

wrk_rps() { sed -n 's/^PODIUM_WRK_JSON .*"requests_per_s":\([0-9.]*\).*/\1/p' "$1"; }

# run_wrk TEST SCRIPT URL: warm-up, then the measured run with CPU accounting and, for Podium,
# a top snapshot.
run_wrk() {
  local test=$1 script=$2 url=$3
  if ((warmup > 0)); then
    log "$test: ${warmup}s warm-up"
    PODIUM_LOAD_NEW_BASE=900000000 run_waited wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$script" "$url" \
      >"$workdir/$test-warmup.wrk.txt" 2>&1 || die "wrk warm-up failed: $(tail -n 5 "$workdir/$test-warmup.wrk.txt")"
  fi
  [ "$test" != write ] || scrape "$workdir/write-metrics-before.txt"
  log "$test: wrk -t$threads -c$connections -d${duration}s --latency -s ${script#"$root"/} $url"
  if [ -z "$ref_pid" ]; then
    top_snapshot "$workdir/$test-top.txt" $((duration / 2)) &
    helper_pids+=($!)
  fi
  local before after
  before=$(mark)
  run_waited wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$script" "$url" \
    >"$workdir/$test.wrk.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$workdir/$test.wrk.txt")"
  after=$(mark)
  if [ -z "$ref_pid" ]; then
    wait "${helper_pids[-1]}" 2>/dev/null || true
    unset 'helper_pids[-1]'
  fi
  record "$test" "$before" "$after"
  [ "$test" != write ] || scrape "$workdir/write-metrics-after.txt"
  grep -E 'Requests/sec|Latency |99%|Non-2xx' "$workdir/$test.wrk.txt" | sed 's/^/    /' >&3 || true
  grep -q '^PODIUM_WRK_JSON ' "$workdir/$test.wrk.txt" || die "wrk printed no results for $test (see $workdir/$test.wrk.txt)"
}

# run_redis TEST PORT KEYSPACE COMMAND…: redis-benchmark with the wrk runs' connections and
# threads. It takes a request count, not a duration: a first run as long as the warm-up (at
# least 5,000 requests) gives the rate, the measured run gets requests for --duration seconds,
# and is redone (at most twice, with the rate it found) when it lasted under 80 % or over 120 % of
# that. CSV in TEST.redis.csv.
run_redis() {
  local test=$1 port=$2 keyspace=$3
  shift 3
  local args=(-h 127.0.0.1 -p "$port" -c "$connections" "${rb_threads[@]}" -r "$keyspace" --csv)
  local n=$((warmup > 0 ? 20000 * warmup : 5000)) csv=$workdir/$test-warmup.redis.csv
  local try rps wall before after t0 t1
  log "$test: calibration run, $n requests"
  run_waited redis-benchmark "${args[@]}" -n "$n" "$@" >"$csv" 2>"$workdir/$test.err.txt" \
    || die "redis-benchmark failed: $(tail -n 3 "$workdir/$test.err.txt")"
  for try in 1 2 3; do
    rps=$(awk -F'","' '$1 != "\"test" { print $2; exit }' "$csv")
    n=$(awk -v r="$rps" -v d="$duration" 'BEGIN { n = int(r * d); print (n < 1000 ? 1000 : n) }')
    [ "$try" = 1 ] || log "$test: the run lasted ${wall}s, not ${duration}s: again with $n requests"
    log "$test: redis-benchmark -c$connections ${rb_threads[*]} -n$n -r$keyspace $* (about ${duration}s at $rps req/s)"
    [ "$try" = 1 ] || mv "$workdir/$test.redis.csv" "$workdir/$test-try$((try - 1)).redis.csv"
    csv=$workdir/$test.redis.csv
    before=$(mark)
    t0=$(now)
    run_waited redis-benchmark "${args[@]}" -n "$n" "$@" >"$csv" 2>"$workdir/$test.err.txt" \
      || die "redis-benchmark failed: $(tail -n 3 "$workdir/$test.err.txt")"
    t1=$(now)
    after=$(mark)
    wall=$(elapsed "$t0" "$t1")
    awk -v w="$wall" -v d="$duration" 'BEGIN { exit !(w >= 0.8 * d && w <= 1.2 * d) }' && break
  done
  record "$test" "$before" "$after"
  fact "${test}_requests" "$n"
  fact "${test}_wall_s" "$wall"
  awk -F'","' '$1 != "\"test" { printf "    %s req/s, p50 %s ms, p99 %s ms\n", $2, $5, $7 }' "$csv" >&3
}

# ------------------------------------------------------------------ the run

export PODIUM_LOAD_BOARD=$board PODIUM_LOAD_ENTRIES=$entries PODIUM_LOAD_TOKEN=$token
export PODIUM_LOAD_NEW_RATIO=$new_ratio PODIUM_LOAD_NEW_BASE=$((entries + 1))
export PODIUM_LOAD_LUA_DIR=$root/scripts/load PODIUM_LOAD_AROUND_LIMIT=$around_limit
write_lua

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
  echo "board=$board"
  echo "around_limit=$around_limit"
  echo "redis_version=$(redis-server --version | sed -n 's/.* v=\([^ ]*\).*/\1/p')"
  echo "redis_benchmark_threads=${rb_threads[1]:-no}"
  echo "redis_write_keyspace=$write_keyspace"
  echo "nginx_version=$(nginx -v 2>&1 | sed 's|.*nginx/||')"
  echo "nginx_workers=$(nproc)"
} >"$facts"

log "generating Redis's bulk-load input ($entries members; not timed)"
gen_resp "$workdir/zadd-batch.resp" 10000
gen_resp "$workdir/zadd-single.resp" 1

measure_background

start_cluster podium_load
fact pg_version "$("$psql" "$db_url" -Atc 'show server_version')"
fact pg_settings "$("$psql" "$db_url" -Atc "select string_agg(name || '=' || setting, ', ' order by name) from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level')")"

log "starting podium on the empty database (RSS baseline)"
start_podium empty
url="http://127.0.0.1:$http_port"
fact empty_ready_wall_s "$ready_wall"
sleep 1
fact rss_empty_kb "$(rss_kb "$podium_pid")"

# --- bulk load: Podium's batch API, then redis-cli --pipe into Redis

log "bulk load: seeding $entries entries in batches of 10000"
run_waited python3 scripts/load/seed.py --port "$http_port" --board "$board" --entries "$entries" --batch 10000 \
  --token "$token" >"$workdir/seed.json" || die "seeding failed"
python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print("    %.0f entries/s (%.1f s)" % (d["entries_per_s"], d["seconds"]))' "$workdir/seed.json" >&3
fact rss_after_seed_kb "$(rss_kb "$podium_pid")"

# The write reference: AOF with an fsync before every reply. Loaded twice: one member per ZADD
# (Redis's mass-insertion recipe), then afresh in ZADDs of 10,000 like Podium's batches (the
# reference).
start_redis redis-aof --appendonly yes --appendfsync always
aof_port=$redis_port aof_pid=$redis_pid
fact redis_aof_empty_ready_s "$redis_ready_s"
redis_load redis_load_single "$aof_port" "$workdir/zadd-single.resp"
rcli "$aof_port" del "$board" >/dev/null
redis_load redis_load_batch "$aof_port" "$workdir/zadd-batch.resp"
# Start-up reference: compact the AOF, then restart and time until PING answers.
rcli "$aof_port" bgrewriteaof >/dev/null
rewriting() { [ "$(redis_info "$1" persistence aof_rewrite_in_progress)$(redis_info "$1" persistence aof_rewrite_scheduled)" != 00 ]; }
for ((i = 0; i < 6000; i++)); do
  rewriting "$aof_port" || break
  sleep 0.1
done
! rewriting "$aof_port" || die "redis-aof's BGREWRITEAOF did not end within 600 s"
stop_reference "$aof_pid"
fact redis_aof_bytes "$(du -sb "$workdir/redis-aof/appendonlydir" | cut -f1)"
log "restarting redis-aof on its AOF ($entries members)"
start_redis redis-aof --appendonly yes --appendfsync always
aof_port=$redis_port aof_pid=$redis_pid
fact redis_restart_s "$redis_ready_s"
log "    ready after ${redis_ready_s}s"
[ "$(rcli "$aof_port" zcard "$board")" = "$entries" ] || die "redis-aof lost members over its restart"

# The read reference (and the memory figure): no persistence at all.
start_redis redis-mem
mem_port=$redis_port mem_pid=$redis_pid
fact redis_used_memory_empty "$(redis_info "$mem_port" memory used_memory)"
fact redis_rss_empty "$(redis_info "$mem_port" memory used_memory_rss)"
redis_load redis_load_mem "$mem_port" "$workdir/zadd-batch.resp"
fact redis_used_memory_loaded "$(redis_info "$mem_port" memory used_memory)"
fact redis_rss_loaded "$(redis_info "$mem_port" memory used_memory_rss)"
rm -f "$workdir"/zadd-*.resp

# Sanity checks before measuring: every request the runs send answers as expected.
probe() {
  local body
  body=$(curl -fsS "$url$1") || die "GET $1 failed"
  grep -q "$2" <<<"$body" || die "GET $1 answered without $2: ${body:0:300}"
}
last=$(printf 'player-%07d' "$entries")
probe "/api/v1/leaderboards/$board/entries/$last" '"rank"'
probe "/api/v1/leaderboards/$board/entries/$last/around?limit=$around_limit" '"entries"'
probe "/api/v1/leaderboards/$board/entries?limit=100" '"next_cursor"'
probe /healthz '"ok"'
[[ $(rcli "$mem_port" zrevrank "$board" player-000000000000) =~ ^[0-9]+$ ]] || die "ZREVRANK answered no rank"
[ "$(rcli "$mem_port" zrevrange "$board" 0 99 withscores | wc -l)" = 200 ] || die "ZREVRANGE 0 99 answered no 100 members"

# --- /healthz: Podium, then Nginx with as many workers as Podium has runtime threads (cores)

run_wrk healthz "$lua/healthz.lua" "$url"
start_nginx nginx "$(nproc)"
ref_pid=$nginx_pid
run_wrk nginx-healthz "$lua/healthz.lua" "http://127.0.0.1:$nginx_port"
stop_reference "$nginx_pid"
ref_pid=""

# --- reads: rank, around and top-100, each beside its Redis command

run_wrk read "$root/scripts/load/read-rank.lua" "$url"
ref_pid=$mem_pid
run_redis redis-zrevrank "$mem_port" "$entries" ZREVRANK "$board" 'player-__rand_int__'
ref_pid=""
run_wrk around "$lua/around.lua" "$url"
run_wrk top100 "$lua/top100.lua" "$url"
ref_pid=$mem_pid
run_redis redis-zrevrange "$mem_port" "$entries" ZREVRANGE "$board" 0 99 WITHSCORES
stop_reference "$mem_pid"
ref_pid=""

# --- start-up and memory

log "restarting podium on the filled database (start-up load and RSS)"
stop_podium
start_podium loaded
url="http://127.0.0.1:$http_port"
fact loaded_ready_wall_s "$ready_wall"
sleep 1
fact rss_loaded_kb "$(rss_kb "$podium_pid")"
scrape "$workdir/loaded-metrics.txt"

# --- durable writes, then Redis's ZADD GT with an fsync before every reply

run_wrk write "$root/scripts/load/write-score.lua" "$url"
fact rss_after_writes_kb "$(rss_kb "$podium_pid")"
ref_pid=$aof_pid
run_redis redis-zadd "$aof_port" "$write_keyspace" ZADD "$board" GT '__rand_int__' 'player-__rand_int__'
rcli "$aof_port" info persistence | tr -d '\r' >"$workdir/redis-zadd-persistence.txt"
stop_reference "$aof_pid"
ref_pid=""

# --- rank reads while writes run at half the rate measured alone: a paced writer (one wrk
# thread, its own connections) starts a second ahead of the read runs and stops after them. Beside
# saturating reads a write takes several times longer than alone: four times the connections let
# the writer keep its rate; idle ones only wait for their slot.
writer_connections=$((4 * connections))
write_rate=$(wrk_rps "$workdir/write.wrk.txt")
half_rate=$(awk -v r="$write_rate" 'BEGIN { h = r / 2; print (h < 1 ? 1 : h) }')
fact mixed_write_target_rps "$half_rate"
fact mixed_write_connections "$writer_connections"
log "mixed: durable writes paced at $half_rate req/s (half of $write_rate) in the background"
PODIUM_LOAD_RATE=$half_rate PODIUM_LOAD_NEW_BASE=800000000 wrk -t1 -c"$writer_connections" -d"$((warmup + duration + 3))s" --latency \
  -s "$lua/paced-write.lua" "$url" >"$workdir/mixed-write.wrk.txt" 2>&1 &
writer=$!
helper_pids+=("$writer")
sleep 1
run_wrk mixed-read "$root/scripts/load/read-rank.lua" "$url"
wait "$writer" || die "the paced writer failed: $(tail -n 5 "$workdir/mixed-write.wrk.txt")"
unset 'helper_pids[-1]'
grep -q '^PODIUM_WRK_JSON ' "$workdir/mixed-write.wrk.txt" || die "the paced writer printed no results"
log "    writes during the mixed run: $(wrk_rps "$workdir/mixed-write.wrk.txt") req/s"

podium_log_errors
stop_podium

# ------------------------------------------------------------------ the report

PYTHONDONTWRITEBYTECODE=1 python3 - "$workdir" "$out" "$root/scripts/load" <<'PY'
# The report of one run: results.json, REPORT.md, throughput.svg and latency.svg in OUT, the raw
# files in OUT/raw; Podium's figures beside their references' as ratios, against issue 12's
# targets. Standard library only; parsing helpers from scripts/load/report.py.
import csv
import json
import math
import shutil
import sys
from pathlib import Path

run, out, lib = (Path(a) for a in sys.argv[1:4])
sys.path.insert(0, str(lib))
import report as base  # noqa: E402

facts = base.read_facts(run / "facts.txt")
fmt, esc = base.fmt, base.esc
board = facts.get("board", "load")
OPS = {">=": "≥", "<=": "≤", "<": "<"}


def num(key, default=None):
    return base.num(facts, key, default)


def ratio(a, b):
    return a / b if a is not None and b else None


def cpu(test):
    total, busy = num(f"{test}_cpu_total_s"), num(f"{test}_cpu_busy_s")
    if not total or busy is None:
        return None
    podium, pg = num(f"{test}_cpu_podium_s"), num(f"{test}_cpu_postgres_s")
    server = podium + pg if podium is not None else num(f"{test}_cpu_server_s", 0.0)
    c = {"machine_s": total, "busy_s": busy, "server_s": server, "server_share": server / total,
         "other_share": max(busy - server, 0.0) / total, "idle_share": max(total - busy, 0.0) / total}
    if podium is not None:
        c.update(podium_s=podium, postgres_s=pg)
    return c


def wrk_run(test, request):
    data, summary = base.wrk_result(run / f"{test}.wrk.txt")
    lat = data["latency_us"]
    return {"tool": "wrk", "request": request, "requests": data["requests"], "duration_s": data["duration_s"],
            "requests_per_s": data["requests_per_s"], "errors": data["errors"],
            "error_total": sum(data["errors"].values()),
            "latency_ms": {k: v / 1000 for k, v in lat["percentiles"].items()},
            "latency_mean_ms": lat["mean"] / 1000, "latency_max_ms": lat["max"] / 1000,
            "extra": data.get("extra"), "cpu": cpu(test), "output": summary}


def redis_run(test):
    text = (run / f"{test}.redis.csv").read_text()
    row = next(csv.DictReader(l for l in text.splitlines() if l.strip()))
    ms = {k: float(row[f"{k}_latency_ms"]) for k in ("p50", "p95", "p99")}
    # redis-benchmark stops at the first error reply, and the script fails with it.
    return {"tool": "redis-benchmark", "request": row["test"], "requests": num(f"{test}_requests"),
            "duration_s": num(f"{test}_wall_s"), "requests_per_s": float(row["rps"]), "errors": None,
            "error_total": 0, "latency_ms": ms, "latency_mean_ms": float(row["avg_latency_ms"]),
            "latency_max_ms": float(row["max_latency_ms"]), "cpu": cpu(test), "output": text.strip()}


limit = int(num("around_limit", 11))
api = f"/api/v1/leaderboards/{board}"
runs = {
    "healthz": wrk_run("healthz", "GET /healthz"),
    "nginx-healthz": wrk_run("nginx-healthz", "GET /healthz → return 200"),
    "read": wrk_run("read", f"GET {api}/entries/{{participant}}"),
    "around": wrk_run("around", f"GET {api}/entries/{{participant}}/around?limit={limit}"),
    "top100": wrk_run("top100", f"GET {api}/entries?limit=100"),
    "write": wrk_run("write", f"PUT {api}/scores/{{participant}}"),
    "mixed-read": wrk_run("mixed-read", f"GET {api}/entries/{{participant}}"),
    "mixed-write": wrk_run("mixed-write", f"PUT {api}/scores/{{participant}} (paced)"),
    "redis-zrevrank": redis_run("redis-zrevrank"),
    "redis-zrevrange": redis_run("redis-zrevrange"),
    "redis-zadd": redis_run("redis-zadd"),
}
seed = json.loads((run / "seed.json").read_text())
entries = int(num("entries", 0))

# ---------------------------------------------------------------- scenarios and targets

targets = []


def target(scenario, name, measured, op, goal, unit, note=""):
    ok = measured is not None and {">=": measured >= goal, "<=": measured <= goal, "<": measured < goal}[op]
    t = {"id": f"{scenario}_{len(targets)}", "scenario": scenario, "name": name, "measured": measured,
         "op": op, "target": goal, "unit": unit, "pass": bool(ok and not note), "note": note}
    targets.append(t)
    return t


def side(key, name):
    r = runs[key]
    return {"run": key, "name": name, "request": r["request"], "requests_per_s": r["requests_per_s"],
            "p50_ms": r["latency_ms"]["p50"], "p99_ms": r["latency_ms"]["p99"], "errors": r["error_total"]}


def http_scenario(sid, title, pkey, rkey, rname, rps_goal=None, p99_ratio_goal=None, p99_ms_goal=None, pname="Podium"):
    p, r = side(pkey, pname), side(rkey, rname)
    s = {"id": sid, "title": title, "podium": p, "reference": r,
         "ratio": {"throughput": ratio(p["requests_per_s"], r["requests_per_s"]),
                   "p50": ratio(p["p50_ms"], r["p50_ms"]), "p99": ratio(p["p99_ms"], r["p99_ms"])},
         "targets": []}
    errors = f'{p["errors"]} errors (non-2xx or socket)' if p["errors"] else ""
    if rps_goal is not None:
        s["targets"].append(target(sid, f"{title}: throughput ≥ {rps_goal:g}× {rname}",
                                   s["ratio"]["throughput"], ">=", rps_goal, "×", errors))
    if p99_ratio_goal is not None:
        s["targets"].append(target(sid, f"{title}: p99 ≤ {p99_ratio_goal:g}× {rname}'s",
                                   s["ratio"]["p99"], "<=", p99_ratio_goal, "×"))
    if p99_ms_goal is not None:
        s["targets"].append(target(sid, f"{title}: p99 ≤ {p99_ms_goal:g} ms", p["p99_ms"], "<=", p99_ms_goal, "ms"))
    return s


scenarios = [
    http_scenario("healthz", "/healthz", "healthz", "nginx-healthz", "Nginx return 200", rps_goal=0.8),
    http_scenario("rank", "Rank read", "read", "redis-zrevrank", "Redis ZREVRANK", 1.0, 1.5),
    http_scenario("around", f"Around ({limit - 1} neighbours)", "around", "redis-zrevrank", "Redis ZREVRANK", 1.0, 1.5),
    http_scenario("top100", "Top 100", "top100", "redis-zrevrange", "Redis ZREVRANGE 0 99", 1.0, 1.5),
    http_scenario("write", "Durable write", "write", "redis-zadd", "Redis ZADD GT (AOF always)", 1.0, None, 20.0),
    http_scenario("read_under_write", "Rank read under half write load", "mixed-read", "read",
                  "Podium reads alone", None, 2.0, pname="Podium, writes at half rate"),
]
mw = runs["mixed-write"]
scenarios[-1]["write_load"] = {"target_rps": num("mixed_write_target_rps"), "requests_per_s": mw["requests_per_s"],
                               "p99_ms": mw["latency_ms"]["p99"], "errors": mw["error_total"]}

redis_bulk = ratio(entries, num("redis_load_batch_s"))
bulk = {"id": "bulk_load", "title": "Bulk load",
        "podium": {"name": "Podium batch POSTs of 10,000", "entries_per_s": seed["entries_per_s"],
                   "seconds": seed["seconds"], "wall_seconds": seed["wall_seconds"], "batch_ms": seed["batch_ms"]},
        "reference": {"name": "redis-cli --pipe, ZADDs of 10,000, AOF always", "entries_per_s": redis_bulk,
                      "seconds": num("redis_load_batch_s")},
        "other": {"redis_one_member_per_zadd_aof_entries_per_s": ratio(entries, num("redis_load_single_s")),
                  "redis_no_persistence_entries_per_s": ratio(entries, num("redis_load_mem_s"))},
        "ratio": {"throughput": ratio(seed["entries_per_s"], redis_bulk)}, "targets": []}
bulk["targets"].append(target("bulk_load", "Bulk load: entries/s ≥ 0.5× redis-cli --pipe (AOF always)",
                              bulk["ratio"]["throughput"], ">=", 0.5, "×"))
scenarios.append(bulk)

loaded = base.prom(run / "loaded-metrics.txt")
index_entries = sum(v for (n, _), v in loaded.items() if n == "podium_index_entries") or None
startup_metric = next((v for (n, _), v in loaded.items() if n == "podium_startup_load_seconds"), None)
startup_log = base.log_seconds(run / "podium-loaded.log", "rank index loaded")
startup = startup_metric if startup_metric is not None else startup_log
rss_empty, rss_loaded = num("rss_empty_kb"), num("rss_loaded_kb")
mem_entries = index_entries or entries
bpe = (rss_loaded - rss_empty) * 1024 / mem_entries if None not in (rss_empty, rss_loaded) and mem_entries else None
redis_used = ratio(num("redis_used_memory_loaded", 0) - num("redis_used_memory_empty", 0), entries)
redis_rss = ratio(num("redis_rss_loaded", 0) - num("redis_rss_empty", 0), entries)
su = {"id": "startup", "title": "Start-up of the filled board",
      "podium": {"name": "index load (podium_startup_load_seconds)", "seconds": startup,
                 "ready_wall_seconds": num("loaded_ready_wall_s"), "empty_ready_wall_seconds": num("empty_ready_wall_s"),
                 "index_entries": index_entries, "log_seconds": startup_log},
      "reference": {"name": "Redis restart on its rewritten AOF, to the first PONG", "seconds": num("redis_restart_s"),
                    "aof_bytes": num("redis_aof_bytes")},
      "ratio": {"ready_wall": ratio(num("loaded_ready_wall_s"), num("redis_restart_s"))}, "targets": []}
su["targets"].append(target("startup", "Start-up of the filled board < 1 s", startup, "<", 1.0, "s"))
scenarios.append(su)
mem = {"id": "memory", "title": "Memory per entry",
       "podium": {"name": "RSS delta, empty → filled, per index entry", "bytes_per_entry": bpe, "rss_empty_kb": rss_empty,
                  "rss_loaded_kb": rss_loaded, "rss_after_seed_kb": num("rss_after_seed_kb"),
                  "rss_after_writes_kb": num("rss_after_writes_kb"), "entries": mem_entries},
       "reference": {"name": "Redis INFO used_memory delta per member", "bytes_per_entry": redis_used,
                     "rss_bytes_per_entry": redis_rss},
       "ratio": {"bytes": ratio(bpe, redis_used)}, "targets": []}
mem["targets"].append(target("memory", "Memory < 100 B per entry", bpe, "<", 100.0, "B"))
scenarios.append(mem)

w_before, w_after = base.prom(run / "write-metrics-before.txt"), base.prom(run / "write-metrics-after.txt")
results = {
    "generated_at": facts.get("date", ""),
    "git": {"commit": facts.get("git_commit", "unknown"), "dirty": facts.get("git_dirty") == "1",
            "binary": facts.get("binary_version", "")},
    "machine": {"nproc": int(num("nproc", 0)), "cpu_model": facts.get("cpu_model", ""),
                "memory_total_kb": num("mem_total_kb"), "kernel": facts.get("kernel", ""),
                "postgres": facts.get("pg_version", ""), "wrk": facts.get("wrk_version", ""),
                "redis": facts.get("redis_version", ""), "nginx": facts.get("nginx_version", ""),
                "background_busy_pct": num("background_busy_pct"), "loadavg_before": facts.get("loadavg_before", "")},
    "config": {"mode": facts.get("mode", "full"), "entries": entries, "duration_s": num("duration_s"),
               "warmup_s": num("warmup_s"), "connections": int(num("connections", 0)),
               "threads": int(num("threads", 0)), "new_ratio": num("new_ratio"), "around_limit": limit,
               "db_max_connections": facts.get("db_max_connections", ""),
               "postgres_settings": facts.get("pg_settings", ""),
               "redis_benchmark_threads": facts.get("redis_benchmark_threads", "no"),
               "redis_write_keyspace": int(num("redis_write_keyspace", 0)),
               "nginx_workers": int(num("nginx_workers", 0))},
    "scenarios": scenarios,
    "targets": targets,
    "all_pass": all(t["pass"] for t in targets),
    "runs": runs,
    "seed": seed,
    "write_batches": {"batch_size": base.histogram(w_after, w_before, "podium_write_batch_size"),
                      "commit_seconds": base.histogram(w_after, w_before, "podium_write_commit_seconds")},
}

# ---------------------------------------------------------------- SVG

PODIUM, REF, GOAL, PASS, MISS, MUTED = "#2b6cb0", "#a0aec0", "#1a202c", "#2f855a", "#c53030", "#4a5568"


def svg(w, h, body):
    return "\n".join([f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
                      'font-family="DejaVu Sans, Helvetica, Arial, sans-serif" font-size="12">',
                      f'<rect width="{w}" height="{h}" fill="white"/>', *body, "</svg>"]) + "\n"


def text(x, y, s, anchor="start", **attrs):
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}"{extra}>{esc(s)}</text>'


def machine_note(r):
    m = r["machine"]
    return (f'{m["nproc"]} CPUs ({m["cpu_model"]}), {fmt((m["memory_total_kb"] or 0) / 1048576, 1)} GiB, '
            f'kernel {m["kernel"]}, {fmt(m["background_busy_pct"], 0)} % busy before the run · {r["generated_at"]} · '
            f'commit {r["git"]["commit"][:10]}{" (dirty)" if r["git"]["dirty"] else ""}')


def run_note(r):
    c = r["config"]
    return (f'{c["mode"]} run, {c["entries"]:,} entries; every load generator -t{c["threads"]} -c{c["connections"]}, '
            f'{fmt(c["duration_s"], 0)} s measured; Redis {r["machine"]["redis"]}, Nginx {r["machine"]["nginx"]} '
            f'({c["nginx_workers"]} workers), all on loopback in this run')


def pair_bars(x0, width, y, pv, rv, goal, unit_digits=0):
    """Podium's bar over the reference's, to the row's own scale; a dashed line at the goal."""
    vals = [v for v in (pv, rv, goal) if v is not None]
    if not vals:
        return [text(x0, y + 24, "not measured", fill=MUTED)]
    scale = max(vals) / 0.78 or 1.0
    out = []
    for i, (v, colour) in enumerate(((pv, PODIUM), (rv, REF))):
        if v is None:
            continue
        by, bw = y + 6 + i * 18, max(v / scale * width, 1.0)
        out.append(f'<rect x="{x0}" y="{by}" width="{bw:.1f}" height="14" fill="{colour}"/>')
        out.append(text(x0 + bw + 4, by + 11, fmt(v, unit_digits), font_size=11))
    if goal is not None:
        gx = x0 + goal / scale * width
        out.append(f'<line x1="{gx:.1f}" x2="{gx:.1f}" y1="{y + 2}" y2="{y + 42}" stroke="{GOAL}" '
                   'stroke-width="1.5" stroke-dasharray="4,3"/>')
    return out


def verdict(x, y, ratio_value, t):
    label = "n/a" if ratio_value is None else f"{ratio_value:.2f}×"
    if t is None:
        return [text(x, y, label, fill=MUTED)]
    return [text(x, y, label, font_weight="bold", fill=PASS if t["pass"] else MISS),
            text(x, y + 14, "pass" if t["pass"] else "MISS", fill=PASS if t["pass"] else MISS, font_size=11)]


def limit_verdict(x, y, t):
    colour = PASS if t["pass"] else MISS
    return [text(x, y, f'{OPS[t["op"]]} {t["target"]:g} {t["unit"]}', font_weight="bold", fill=colour),
            text(x, y + 14, "pass" if t["pass"] else "MISS", fill=colour, font_size=11)]


def throughput_svg(r):
    W, row_h = 1080, 52
    tx, tw, lx, lw = 330, 240, 700, 240
    http = [s for s in r["scenarios"] if "podium" in s and "requests_per_s" in s["podium"]]
    rows_h = (len(http) + 1) * row_h
    H = 150 + rows_h + 60 + 2 * row_h + 70
    b = [text(W / 2, 26, "Podium beside its references: throughput and p99 latency", "middle",
              font_size=17, font_weight="bold"),
         text(W / 2, 46, machine_note(r), "middle", fill=MUTED),
         text(W / 2, 62, run_note(r), "middle", fill=MUTED)]
    ly = 86
    b.append(f'<rect x="150" y="{ly - 10}" width="12" height="12" fill="{PODIUM}"/>')
    b.append(text(166, ly, "Podium"))
    b.append(f'<rect x="230" y="{ly - 10}" width="12" height="12" fill="{REF}"/>')
    b.append(text(246, ly, "its reference (named under each scenario)"))
    b.append(f'<line x1="520" x2="544" y1="{ly - 4}" y2="{ly - 4}" stroke="{GOAL}" stroke-width="1.5" stroke-dasharray="4,3"/>')
    b.append(text(550, ly, "target"))
    b.append(text(610, ly, "ratio = Podium / reference:"))
    b.append(text(790, ly, "met", fill=PASS, font_weight="bold"))
    b.append(text(822, ly, "missed", fill=MISS, font_weight="bold"))
    b.append(text(876, ly, "no target", fill=MUTED))
    y0 = 120
    b.append(text(tx, y0, "Throughput (req/s; bulk load: entries/s)", font_weight="bold"))
    b.append(text(lx, y0, "p99 latency (ms), lower is better", font_weight="bold"))

    y = y0 + 10
    for s in http + [next(s for s in r["scenarios"] if s["id"] == "bulk_load")]:
        p, ref = s["podium"], s["reference"]
        b.append(text(tx - 12, y + 18, s["title"], "end", font_weight="bold"))
        b.append(text(tx - 12, y + 34, f'vs {ref["name"]}', "end", fill=MUTED, font_size=11))
        if s["id"] == "bulk_load":
            t = s["targets"][0]
            b += pair_bars(tx, tw, y, p["entries_per_s"], ref["entries_per_s"], t["target"] * ref["entries_per_s"])
            b += verdict(tx + tw + 50, y + 18, s["ratio"]["throughput"], t)
            b.append(text(lx, y + 24, "(no per-request latency)", fill=MUTED))
        else:
            t_rps = next((t for t in s["targets"] if "throughput" in t["name"]), None)
            goal = t_rps["target"] * ref["requests_per_s"] if t_rps else None
            b += pair_bars(tx, tw, y, p["requests_per_s"], ref["requests_per_s"], goal)
            b += verdict(tx + tw + 50, y + 18, s["ratio"]["throughput"], t_rps)
            t_p99 = next((t for t in s["targets"] if "p99" in t["name"]), None)
            if t_p99 is None:
                goal = None
            elif t_p99["unit"] == "ms":
                goal = t_p99["target"]
            else:
                goal = t_p99["target"] * ref["p99_ms"]
            b += pair_bars(lx, lw, y, p["p99_ms"], ref["p99_ms"], goal, 1)
            if t_p99 is not None and t_p99["unit"] == "ms":
                b += limit_verdict(lx + lw + 50, y + 18, t_p99)
            else:
                b += verdict(lx + lw + 50, y + 18, s["ratio"]["p99"], t_p99)
        b.append(f'<line x1="20" x2="{W - 20}" y1="{y + row_h - 3}" y2="{y + row_h - 3}" stroke="#edf2f7"/>')
        y += row_h
    y += 30
    b.append(text(tx, y, "Start-up (s) and memory (bytes per entry), lower is better", font_weight="bold"))
    y += 10
    for sid, key, digits, title, ref_name in (
            ("startup", "ready_wall_seconds", 2, "Start-up: process start → ready (s)", "Redis restart on its AOF, exec → PONG"),
            ("memory", "bytes_per_entry", 0, "Memory per entry (B)", "Redis INFO used_memory delta per member")):
        s = next(s for s in r["scenarios"] if s["id"] == sid)
        t = s["targets"][0]
        b.append(text(tx - 12, y + 18, title, "end", font_weight="bold"))
        b.append(text(tx - 12, y + 34, f"vs {ref_name}", "end", fill=MUTED, font_size=11))
        b += pair_bars(tx, tw, y, s["podium"][key], s["reference"]["seconds" if sid == "startup" else key], t["target"], digits)
        b += limit_verdict(tx + tw + 50, y + 18, t)
        if sid == "startup":
            b.append(text(tx + tw + 130, y + 18, f'(the target is on the index load: {fmt(s["podium"]["seconds"], 2)} s)', fill=MUTED))
        y += row_h
    b.append(text(W / 2, H - 34, "Each row is drawn to its own scale; the dashed line is the issue's target "
                  "(a ratio times the reference, or an absolute limit).", "middle", fill=MUTED))
    b.append(text(W / 2, H - 16, "Figures from one run on one machine: compare ratios, not absolute numbers "
                  "across runs.", "middle", fill=MUTED))
    return svg(W, H, b)


LAT_X = ["p50", "p75", "p90", "p95", "p99", "p99.9"]


def latency_svg(r):
    W, H = 1000, 580
    panels = [
        ("Reads", [("read", "Podium rank read", "#2b6cb0", False), ("around", "Podium around", "#2c7a7b", False),
                   ("top100", "Podium top 100", "#6b46c1", False),
                   ("mixed-read", "Podium rank read, half write load", "#dd6b20", False),
                   ("redis-zrevrank", "Redis ZREVRANK", "#1a202c", True),
                   ("redis-zrevrange", "Redis ZREVRANGE 0 99", "#718096", True)]),
        ("/healthz and durable writes", [("healthz", "Podium /healthz", "#2b6cb0", False),
                                         ("write", "Podium durable write", "#c53030", False),
                                         ("nginx-healthz", "Nginx return 200", "#1a202c", True),
                                         ("redis-zadd", "Redis ZADD GT, AOF always", "#718096", True)]),
    ]
    b = [text(W / 2, 26, "Latency percentiles per scenario (ms, log scale): Podium solid, references dashed",
              "middle", font_size=16, font_weight="bold"),
         text(W / 2, 46, machine_note(r), "middle", fill=MUTED),
         text(W / 2, 62, run_note(r), "middle", fill=MUTED),
         text(W / 2, 78, "redis-benchmark reports p50, p95 and p99 only", "middle", fill=MUTED)]
    pw, ph, top = 400, 300, 116
    for pi, (title, series) in enumerate(panels):
        x0 = 70 + pi * (pw + 100)
        vals = [v for key, *_ in series for v in r["runs"][key]["latency_ms"].values() if v and v > 0]
        steps = [m * 10 ** e for e in range(-3, 6) for m in (1, 2, 5)]
        lo = max(v for v in steps if v <= min(vals))
        hi = min(v for v in steps if v >= max(vals) and v > lo)

        def ly(v):
            return top + ph - (math.log10(max(v, lo)) - math.log10(lo)) / (math.log10(hi) - math.log10(lo)) * ph

        def lx(p):
            return x0 + 20 + LAT_X.index(p) * (pw - 40) / (len(LAT_X) - 1)

        b.append(text(x0, top - 14, title, font_size=14, font_weight="bold"))
        b.append(f'<rect x="{x0}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>')
        for v in (v for v in steps if lo <= v <= hi):
            y, decade = ly(v), abs(math.log10(v) - round(math.log10(v))) < 1e-9
            b.append(f'<line x1="{x0}" x2="{x0 + pw}" y1="{y:.1f}" y2="{y:.1f}" stroke="{"#ddd" if decade else "#f2f2f2"}"/>')
            b.append(text(x0 - 6, y + 4, f"{v:g}", "end", font_size=12 if decade else 10))
        for p in LAT_X:
            b.append(text(lx(p), top + ph + 18, p, "middle"))
        for si, (key, label, colour, dashed) in enumerate(series):
            lat = r["runs"][key]["latency_ms"]
            pts = [(lx(p), ly(lat[p])) for p in LAT_X if lat.get(p)]
            dash = ' stroke-dasharray="6,4"' if dashed else ""
            b.append(f'<polyline points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in pts)}" fill="none" '
                     f'stroke="{colour}" stroke-width="2"{dash}/>')
            for x, y in pts:
                b.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"/>')
            lyy = top + ph + 44 + si * 18
            b.append(f'<line x1="{x0}" x2="{x0 + 24}" y1="{lyy - 4}" y2="{lyy - 4}" stroke="{colour}" stroke-width="2"{dash}/>')
            b.append(text(x0 + 30, lyy, f'{label}: p99 {fmt(lat["p99"])} ms, {fmt(r["runs"][key]["requests_per_s"], 0)} req/s'))
    return svg(W, H, b)

# ---------------------------------------------------------------- REPORT.md


def result(t):
    if t is None:
        return "", ""
    goal = f'{OPS[t["op"]]} {t["target"]:g}{"×" if t["unit"] == "×" else " " + t["unit"]}'
    verdict = "pass" if t["pass"] else "**MISS**"
    return goal, verdict + (f' ({t["note"]})' if t["note"] else "")


def x(v):
    return "n/a" if v is None else f"{v:.2f}×"


def cpu_cell(c):
    return "n/a" if not c else f'{c["server_share"] * 100:.0f} %'


def scenario_md(s, r):
    p, ref = s["podium"], s["reference"]
    t_rps = next((t for t in s["targets"] if "throughput" in t["name"]), None)
    t_p99 = next((t for t in s["targets"] if "p99" in t["name"]), None)
    pr, rr = r["runs"][p["run"]], r["runs"][ref["run"]]
    lines = [f'### {s["title"]}', "",
             f'Podium: `{pr["request"]}` ({pr["tool"]}); reference: {ref["name"]}, `{rr["request"]}` ({rr["tool"]}).', "",
             f'| | {p["name"]} | {ref["name"]} | Podium / reference | Target | Result |', "|---|---|---|---|---|---|"]
    g, v = result(t_rps)
    lines.append(f'| req/s | {fmt(p["requests_per_s"], 0)} | {fmt(ref["requests_per_s"], 0)} | '
                 f'{x(s["ratio"]["throughput"])} | {g} | {v} |')
    lines.append(f'| p50 (ms) | {fmt(p["p50_ms"])} | {fmt(ref["p50_ms"])} | {x(s["ratio"]["p50"])} | | |')
    g, v = result(t_p99)
    lines.append(f'| p99 (ms) | {fmt(p["p99_ms"])} | {fmt(ref["p99_ms"])} | {x(s["ratio"]["p99"])} | {g} | {v} |')
    lines.append(f'| errors | {p["errors"]} | {ref["errors"]} | | | |')
    lines.append(f'| server\'s share of the machine\'s CPU | {cpu_cell(pr["cpu"])} | {cpu_cell(rr["cpu"])} | | | |')
    if "write_load" in s:
        wl = s["write_load"]
        lines += ["", f'Writes ran beside the reads, paced at {fmt(wl["target_rps"], 0)} req/s (half the '
                  f'{fmt(r["runs"]["write"]["requests_per_s"], 0)} req/s measured alone): achieved '
                  f'{fmt(wl["requests_per_s"], 0)} req/s, p99 {fmt(wl["p99_ms"])} ms, {wl["errors"]} errors.']
        if wl["target_rps"] and wl["requests_per_s"] < 0.9 * wl["target_rps"]:
            lines += ["", "> The paced writer fell short of half the write rate: the read p99 above was measured "
                      "under a lighter write load than the target assumes."]
    return lines + [""]


def markdown(r):
    m, c = r["machine"], r["config"]
    lines = [
        "# Podium load test report, beside Redis and Nginx",
        "",
        f'Generated by `scripts/load-test.sh` on {r["generated_at"]}.',
        "",
        f'- Commit: `{r["git"]["commit"]}`{" (with uncommitted changes)" if r["git"]["dirty"] else ""}; '
        f'binary: `{r["git"]["binary"]}`',
        f'- Machine: {m["nproc"]} CPUs (`nproc`), {m["cpu_model"]}, '
        f'{fmt((m["memory_total_kb"] or 0) / 1048576, 1)} GiB RAM, kernel {m["kernel"]}',
        f'- PostgreSQL: {m["postgres"]} (private cluster on a Unix socket; {c["postgres_settings"]})',
        f'- References, started by the script in this run on loopback: Redis {m["redis"]} (`--save \'\'`; reads on an '
        f'instance without persistence, writes and bulk load on `--appendonly yes --appendfsync always`), '
        f'Nginx {m["nginx"]} (`return 200`, {c["nginx_workers"]} workers: Podium\'s runtime threads)',
        f'- Load generators on the same machine: {m["wrk"]} `-t{c["threads"]} -c{c["connections"]} '
        f'-d{fmt(c["duration_s"], 0)}s` after a {fmt(c["warmup_s"], 0)} s warm-up; redis-benchmark '
        f'`-c{c["connections"]}{" --threads " + c["redis_benchmark_threads"] if c["redis_benchmark_threads"] != "no" else ""}`'
        f' with requests for about {fmt(c["duration_s"], 0)} s after a calibration run',
        f'- Mode: {c["mode"]}; {c["entries"]:,} entries in Podium and in Redis; Podium pool '
        f'`PODIUM_DB_MAX_CONNECTIONS={c["db_max_connections"] or "default (16)"}`',
        f'- Machine busy before the test (other processes): {fmt(m["background_busy_pct"], 0)} % of all CPUs; '
        f'load average {m["loadavg_before"]}',
        "",
    ]
    if (m["background_busy_pct"] or 0) > 15:
        lines += ["> **Warning:** other processes were using the CPU when this run started; both sides of every "
                  "ratio ran under it, but not necessarily equally.", ""]
    if c["entries"] != 1_000_000:
        lines += [f'> This run used {c["entries"]:,} entries, not the 1,000,000 the targets are defined for: '
                  "its verdicts are indicative only.", ""]
    passed = sum(t["pass"] for t in r["targets"])
    lines += ["![throughput and p99 beside the references](throughput.svg)", "",
              "![latency percentiles](latency.svg)", "",
              f'## Targets: {passed} of {len(r["targets"])} met', "",
              "| Target | Goal | Measured | Result |", "|---|---|---|---|"]
    for t in r["targets"]:
        g, v = result(t)
        unit = "×" if t["unit"] == "×" else f' {t["unit"]}'
        lines.append(f'| {t["name"]} | {g} | {fmt(t["measured"])}{unit} | {v} |')
    lines += ["", "## Scenarios", "",
              "Each reference is measured right after Podium's run of the same scenario, with the same "
              "connections, threads and duration. Ratios are Podium / reference.", ""]
    by_id = {s["id"]: s for s in r["scenarios"]}
    for sid in ("healthz", "rank", "around", "top100", "write", "read_under_write"):
        lines += scenario_md(by_id[sid], r)
    b, su, mem = by_id["bulk_load"], by_id["startup"], by_id["memory"]
    g, v = result(b["targets"][0])
    lines += [
        "### Bulk load", "",
        f'Podium: {b["podium"]["name"]}, one after another on one connection (request time only; bodies built '
        f'before each clock starts). Reference: {b["reference"]["name"]} (the input generated beforehand).', "",
        "| | Podium | Redis | Podium / Redis | Target | Result |", "|---|---|---|---|---|---|",
        f'| entries/s | {fmt(b["podium"]["entries_per_s"], 0)} | {fmt(b["reference"]["entries_per_s"], 0)} | '
        f'{x(b["ratio"]["throughput"])} | {g} | {v} |',
        f'| seconds | {fmt(b["podium"]["seconds"], 2)} | {fmt(b["reference"]["seconds"], 2)} | | | |', "",
        f'Podium per batch: min {fmt(b["podium"]["batch_ms"]["min"], 0)} ms, median '
        f'{fmt(b["podium"]["batch_ms"]["median"], 0)} ms, max {fmt(b["podium"]["batch_ms"]["max"], 0)} ms. '
        f'Redis for comparison: one member per ZADD into the same AOF-always instance '
        f'{fmt(b["other"]["redis_one_member_per_zadd_aof_entries_per_s"], 0)} entries/s; ZADDs of 10,000 without '
        f'persistence {fmt(b["other"]["redis_no_persistence_entries_per_s"], 0)} entries/s.', "",
        "### Start-up and memory", "",
    ]
    g1, v1 = result(su["targets"][0])
    g2, v2 = result(mem["targets"][0])
    lines += [
        "| | Podium | Redis | Podium / Redis | Target | Result |", "|---|---|---|---|---|---|",
        f'| start-up: index load (s) | {fmt(su["podium"]["seconds"], 3)} | — | | {g1} | {v1} |',
        f'| start-up: process start → ready (s) | {fmt(su["podium"]["ready_wall_seconds"], 3)} | '
        f'{fmt(su["reference"]["seconds"], 3)} | {x(su["ratio"]["ready_wall"])} | | |',
        f'| memory per entry (bytes) | {fmt(mem["podium"]["bytes_per_entry"], 1)} | '
        f'{fmt(mem["reference"]["bytes_per_entry"], 1)} | {x(mem["ratio"]["bytes"])} | {g2} | {v2} |', "",
        f'- Podium start-up: `podium_startup_load_seconds` {fmt(su["podium"]["seconds"], 3)} s; process start → '
        f'`/readyz` 200 {fmt(su["podium"]["ready_wall_seconds"], 3)} s (empty database: '
        f'{fmt(su["podium"]["empty_ready_wall_seconds"], 3)} s); index entries {fmt(su["podium"]["index_entries"], 0)}.',
        f'- Redis start-up: {su["reference"]["name"]} ({fmt((su["reference"]["aof_bytes"] or 0) / 1048576, 1)} MiB, '
        "an RDB preamble after BGREWRITEAOF); it has no separate load phase to set beside Podium's index load.",
        f'- Podium memory: {mem["podium"]["name"]}: VmRSS {fmt(mem["podium"]["rss_empty_kb"], 0)} kB empty, '
        f'{fmt(mem["podium"]["rss_loaded_kb"], 0)} kB after the restart on the filled database (after seeding '
        f'{fmt(mem["podium"]["rss_after_seed_kb"], 0)} kB, after the write run {fmt(mem["podium"]["rss_after_writes_kb"], 0)} kB).',
        f'- Redis memory: {mem["reference"]["name"]}, {fmt(mem["reference"]["bytes_per_entry"], 1)} B; its RSS grew '
        f'{fmt(mem["reference"]["rss_bytes_per_entry"], 1)} B per member. Redis\'s members are `player-` and 12 '
        "digits (the form redis-benchmark's `__rand_int__` takes), Podium's `player-` and 7.",
        "",
        "## Details", "",
        "Where the CPU went during each measured run (from /proc): the measured server (Podium with PostgreSQL, "
        "or the reference), the rest of the machine's busy time (mostly the load generator) and idle.", "",
        "| Run | machine CPU-s | server | of which PostgreSQL | other (load generator, kernel, …) | idle |",
        "|---|---|---|---|---|---|",
    ]
    for key, rr in r["runs"].items():
        cp = rr["cpu"]
        if not cp:
            continue
        pg = f'{cp["postgres_s"] / cp["machine_s"] * 100:.0f} %' if "postgres_s" in cp else ""
        lines.append(f'| {key} | {fmt(cp["machine_s"], 1)} | {cp["server_share"] * 100:.0f} % | {pg} | '
                     f'{cp["other_share"] * 100:.0f} % | {cp["idle_share"] * 100:.0f} % |')
    wb = r["write_batches"]
    bs, cm = wb["batch_size"], wb["commit_seconds"]
    wr = r["runs"]["write"]
    lines += [
        "",
        "Write batching during the measured write run (Podium's `/metrics`, delta over the run):", "",
        f'- `podium_write_batch_size`: {fmt(bs["count"], 0)} batches, mean {fmt(bs["mean"], 1)} '
        f'submissions per batch, median ≤ {fmt(bs["p50_bucket_le"], 0)}, p99 ≤ {fmt(bs["p99_bucket_le"], 0)}',
        f'- `podium_write_commit_seconds`: mean {fmt((cm["mean"] or 0) * 1000)} ms, '
        f'median ≤ {fmt((cm["p50_bucket_le"] or 0) * 1000)} ms, p99 ≤ {fmt((cm["p99_bucket_le"] or 0) * 1000)} ms',
        f'- writes to new participants: {fmt((wr.get("extra") or {}).get("new_participant_requests"), 0)} of '
        f'{fmt(wr["requests"], 0)}; Redis drew its ZADD members from {c["redis_write_keyspace"]:,} '
        f'(the same share new), scores from the loaded range',
        "",
        "## How to reproduce", "",
        "```sh", r["command"], "```", "",
        "`raw/` holds every run's output (wrk with `--latency`, redis-benchmark's CSV), `top` snapshots of "
        "Podium's runs, Podium's metrics around the write run and after the restart, and the facts file.", "",
    ]
    return "\n".join(lines)


# ---------------------------------------------------------------- write

results["command"] = facts.get("command", "scripts/load-test.sh")
out.mkdir(parents=True, exist_ok=True)
(out / "results.json").write_text(json.dumps(results, indent=2, default=str) + "\n")
(out / "throughput.svg").write_text(throughput_svg(results))
(out / "latency.svg").write_text(latency_svg(results))
(out / "REPORT.md").write_text(markdown(results))
raw = out / "raw"
if raw.exists():
    shutil.rmtree(raw)
raw.mkdir()
for f in sorted(run.iterdir()):
    if f.is_file() and (f.name.endswith((".wrk.txt", ".redis.csv", "-top.txt", "-metrics.txt", "persistence.txt"))
                        or f.name in ("facts.txt", "seed.json", "write-metrics-after.txt")) and "warmup" not in f.name:
        shutil.copy(f, raw / f.name)
print(f"report: wrote {out / 'REPORT.md'}, results.json, throughput.svg, latency.svg")
for t in targets:
    unit = "×" if t["unit"] == "×" else f' {t["unit"]}'
    print(f'  {"PASS" if t["pass"] else "MISS"}  {t["name"]}: {fmt(t["measured"])}{unit} '
          f'(target {OPS[t["op"]]} {t["target"]:g}) {t["note"]}')
PY
