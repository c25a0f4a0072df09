#!/usr/bin/env bash
# Benchmark of Podium's skill leagues against issue 3's performance targets, on this machine, end
# to end: builds the release binary, starts a private PostgreSQL cluster, creates leagues through
# the API, seeds a glicko2 and a trueskill league with SQL, times `podium recompute` on each (with
# every SQL statement's duration logged by PostgreSQL and `top -H` running, to see where the time
# goes), restarts Podium on the filled database (start-up load), runs wrk recording single
# matches in an elo league, stops everything it started (also on failure), and writes
# reports/league/{REPORT.md,results.json,league.svg}. See --help.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/league-bench.sh [options]

Measures, on this machine (load generator included), issue 3's targets:
  1. podium recompute --league SLUG of a glicko2 and of a trueskill league with MATCHES 1v1
     matches among PARTICIPANTS participants, reading from and writing back to PostgreSQL
     including the rating history (< 10 s each at 1,000,000 / 100,000). Each league is
     recomputed twice: first with no history yet (seeded by SQL), then again, rewriting the
     history the first run wrote (what a change of parameters does).
  2. POST /api/v1/leagues/{slug}/matches, one durable 1v1 match per request, 64 clients, elo
     league, random participants among 10,000 (> 5,000 matches/s).
  3. the rating computation alone, elo and glicko2 (`cargo bench -p podium-core --bench rating`,
     no database; > 2,000,000 matches/s on one core), run first, while the machine is quiet;
  and, as figures without a target: seeding time, Podium's start-up time on the filled
  database (every league replayed), where the recompute's time goes (PostgreSQL statement log,
  top -H).

options:
  --matches N          matches per recomputed league (default 1000000)
  --participants N     participants per recomputed league (default 100000)
  --systems "A B"      systems of the recomputed leagues (default "glicko2 trueskill")
  --recompute-runs N   recomputes per league (default 2: empty history, then a rewrite)
  --write-participants N  participants of the elo league the wrk clients draw from (default 10000)
  --duration S         seconds of the measured wrk run (default 20)
  --warmup S           seconds of an unrecorded wrk run before it (default 3)
  --connections N      wrk connections (default 64)
  --threads N          wrk threads (default 2)
  --quick              smoke run: 100000 matches, 10000 participants, 5 s wrk, 1 s warm-up
  --out DIR            where the report goes (default reports/league)
  --bin PATH           measure this podium binary instead of building one (implies --no-build)
  --no-build           use the existing target/release/podium
  --no-core-bench      skip the cargo bench of the rating computation
  --keep-workdir       keep the cluster data and logs (they are kept anyway on failure)
  -h, --help           this text

Needs: wrk, curl, top (installed with apt-get when missing and run as root), PostgreSQL 15+,
python3. A full run takes about 10 minutes after the build.
USAGE
}

# shellcheck source=scripts/lib/bench.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib/bench.sh"

matches=1000000
participants=100000
systems="glicko2 trueskill"
recompute_runs=2
write_participants=10000
duration=20
warmup=3
connections=64
threads=2
profile_s=3
mode=full
out=""
build=1
bin=""
keep=0
core_bench=1
command_line="scripts/league-bench.sh $*"

while (($#)); do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --matches) need_int "$1" "${2:-}"; matches=$2; shift 2 ;;
    --participants) need_int "$1" "${2:-}"; participants=$2; shift 2 ;;
    --systems)
      [[ ${2:-} =~ ^[a-z0-9_]+( [a-z0-9_]+)*$ ]] || die "--systems needs space-separated system names, got '${2:-}'"
      systems=$2; shift 2 ;;
    --recompute-runs) need_int "$1" "${2:-}"; recompute_runs=$2; shift 2 ;;
    --write-participants) need_int "$1" "${2:-}"; write_participants=$2; shift 2 ;;
    --duration) need_int "$1" "${2:-}"; duration=$2; shift 2 ;;
    --warmup)
      [[ ${2:-} =~ ^[0-9]+$ ]] || die "--warmup needs a whole number of seconds, got '${2:-}'"
      warmup=$2; shift 2 ;;
    --connections) need_int "$1" "${2:-}"; connections=$2; shift 2 ;;
    --threads) need_int "$1" "${2:-}"; threads=$2; shift 2 ;;
    --quick) mode=quick; matches=100000; participants=10000; duration=5; warmup=1; shift ;;
    --out) [ -n "${2:-}" ] || die "--out needs a folder"; out=$2; shift 2 ;;
    --bin) [ -n "${2:-}" ] || die "--bin needs a path"; bin=$2; build=0; shift 2 ;;
    --no-build) build=0; shift ;;
    --keep-workdir) keep=1; shift ;;
    --no-core-bench) core_bench=0; shift ;;
    *) usage >&2; die "unknown option '$1'" ;;
  esac
done
((threads <= connections)) || die "--threads ($threads) cannot exceed --connections ($connections)"
((participants >= 2)) || die "--participants needs at least 2"
((write_participants >= 2)) || die "--write-participants needs at least 2"
for s in $systems; do
  case "$s" in elo | glicko2 | trueskill | weng_lin | points) ;; *) die "unknown system '$s'" ;; esac
done

cd "$root"
here=$root/scripts/league-bench
out=${out:-$root/reports/league}
write_league=bench-elo
# Writes require this token (as in production); the wrk script sends it.
token="league-bench-$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"

# ------------------------------------------------------------------ tools

need_bench_tools
command -v python3 >/dev/null || die "python3 is needed for the report"
find_pg

# ------------------------------------------------------------------ build

build_podium "measure an existing binary with --bin PATH or --no-build"
"$bin" recompute --help >/dev/null 2>&1 || die "$bin has no 'recompute' command: it predates leagues"

# ------------------------------------------------------------------ rating computation alone

# Before anything else runs, so the machine is as quiet as it gets. Its output lands in raw/ once
# the work directory exists.
core_out=""
if ((core_bench)); then
  log "rating computation alone: cargo bench -p podium-core --bench rating (elo, glicko2)"
  core_out=$(mktemp "${TMPDIR:-/tmp}/podium-core-bench.XXXXXX")
  cargo bench --locked -q -p podium-core --bench rating -- --noplot \
    'rating_1m_matches_100k_participants/(elo|glicko2)$' >"$core_out" 2>&1 \
    || { tail -n 20 "$core_out" >&3; die "cargo bench failed (skip it with --no-core-bench)"; }
  criterion=${CARGO_TARGET_DIR:-$root/target}/criterion/rating_1m_matches_100k_participants
fi

# ------------------------------------------------------------------ lifecycle

start_workdir podium-league-bench
raw=$workdir/raw
mkdir -p "$raw"
snapshot_podium
if [ -n "$core_out" ]; then
  mv "$core_out" "$raw/core-bench.txt"
  for s in elo glicko2; do
    cp "$criterion/$s/new/estimates.json" "$raw/core-$s.json" || die "no criterion estimates for $s under $criterion"
  done
fi
facts=$raw/facts.txt
podium_logs=$raw
podium_log_level="warn,podium::memory=info,podium::changes=info,podium::app=info,podium::leagues=info"

sql() { "$psql" "$db_url" -v ON_ERROR_STOP=1 -qAt "$@"; }

api() {
  local method=$1 path=$2 body=${3:-}
  local args=(-sS -o "$workdir/api-response.txt" -w '%{http_code}' -X "$method"
    -H "Authorization: Bearer $token" -H 'Content-Type: application/json')
  [ -z "$body" ] || args+=(--data "$body")
  curl "${args[@]}" "http://127.0.0.1:$http_port$path"
}

create_league() {
  local slug=$1 system=$2 code
  code=$(api POST /api/v1/leagues "{\"slug\":\"$slug\",\"name\":\"Benchmark $system\",\"system\":\"$system\"}")
  [ "$code" = 201 ] || die "POST /api/v1/leagues ($slug) answered $code: $(head -c 500 "$workdir/api-response.txt")"
}

# ------------------------------------------------------------------ CPU accounting (from /proc)

# CPU ticks of this script's reaped children (a `podium recompute` run with run_waited).
children_ticks() {
  local stat
  stat=$(cat "/proc/$$/stat")
  stat=${stat##*) }
  local -a f
  read -r -a f <<<"$stat"
  echo $((f[13] + f[14]))
}

# `top -H` every second, whole machine, the busiest threads of each frame, until stopped.
start_top() {
  (top -b -H -d 1 -w 200 | awk '/^top - /{ n = 0 } { if (n++ < 22) print; fflush() }') >"$1" 2>&1 &
  helper_pids+=($!)
}
stop_top() {
  stop_helper "${helper_pids[-1]}"
  unset 'helper_pids[-1]'
}

# ------------------------------------------------------------------ PostgreSQL statement log

pglog=$pgdir/postgres.log
set_pg() {
  sql -c "alter system set $1 = $2" -c 'select pg_reload_conf()' >/dev/null
  sleep 0.3 # the reload is asynchronous
}
log_size() { stat -c %s "$pglog"; }

# ------------------------------------------------------------------ the run

{
  common_facts "$command_line"
  echo "mode=$mode"
  echo "matches=$matches"
  echo "participants=$participants"
  echo "systems=$systems"
  echo "recompute_runs=$recompute_runs"
  echo "write_participants=$write_participants"
  echo "duration_s=$duration"
  echo "warmup_s=$warmup"
  echo "connections=$connections"
  echo "threads=$threads"
} >"$facts"

measure_background

start_cluster podium_bench
# Statement durations are logged only around the recomputes; never the bound parameters (a
# history insert binds arrays of 20,000 values).
set_pg log_parameter_max_length 0
set_pg log_line_prefix "'%m [%p] '"
fact pg_version "$(sql -c 'show server_version')"
fact pg_settings "$(sql -c "select string_agg(name || '=' || setting || coalesce(unit, ''), ', ' order by name) from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'shared_buffers', 'wal_level', 'max_wal_size', 'work_mem', 'maintenance_work_mem')")"

log "starting podium on the empty database to create the leagues"
start_podium empty
for s in $systems; do create_league "bench-$s" "$s"; done
create_league "$write_league" elo
stop_podium

for s in $systems; do
  log "seeding bench-$s: $matches matches among $participants participants (SQL)"
  t0=$(now)
  run_waited "$psql" "$db_url" -qX -v slug="bench-$s" -v matches="$matches" -v participants="$participants" \
    -f "$here/seed.sql" >"$raw/seed-$s.txt" 2>&1 || die "seeding bench-$s failed: $(tail -n 5 "$raw/seed-$s.txt")"
  t1=$(now)
  run_waited sql -c 'vacuum (analyze) league_match, league_participant' || die "vacuum failed"
  fact "seed_${s}_s" "$(elapsed "$t0" "$t1")"
  fact "seed_${s}_vacuum_s" "$(elapsed "$t1" "$(now)")"
done
fact db_size_seeded_bytes "$(sql -c 'select pg_database_size(current_database())')"

# recompute SYSTEM RUN: one timed `podium recompute`, with the statement log and top -H.
recompute() {
  local s=$1 run=$2 slug="bench-$1" name="recompute-$1-$2"
  local history_before
  history_before=$(sql -c "select count(*) from rating_history h join league l on l.id = h.league_id where l.slug = '$slug'")
  set_pg log_min_duration_statement 0
  local offset
  offset=$(log_size)
  start_top "$raw/$name.top.txt"
  log "$name: podium recompute --league $slug (history rows before: $history_before)"
  local t0 t1 pg0 pg1 c0 c1 m0 m1 rc=0
  pg0=$(postgres_ticks)
  c0=$(children_ticks)
  m0=$(machine_ticks)
  t0=$(now)
  run_waited env DATABASE_URL="$db_url" PODIUM_LOG_LEVEL=warn "$bin" recompute --league "$slug" \
    >"$raw/$name.out.txt" 2>"$raw/$name.err.txt" || rc=$?
  t1=$(now)
  fact "${name}_start_epoch" "$t0"
  fact "${name}_end_epoch" "$t1"
  c1=$(children_ticks)
  pg1=$(postgres_ticks)
  m1=$(machine_ticks)
  stop_top
  set_pg log_min_duration_statement -1
  tail -c +"$((offset + 1))" "$pglog" >"$raw/$name.pglog"
  ((rc == 0)) || die "podium recompute failed ($rc): $(tail -n 5 "$raw/$name.err.txt")"
  grep -h '^recomputed ' "$raw/$name.out.txt" >&3 || die "podium recompute printed no result (see $raw/$name.out.txt)"
  fact "${name}_wall_s" "$(elapsed "$t0" "$t1")"
  fact "${name}_history_before" "$history_before"
  fact "${name}_history_after" "$(sql -c "select count(*) from rating_history h join league l on l.id = h.league_id where l.slug = '$slug'")"
  fact "${name}_postgres_cpu_s" "$(awk -v d=$((pg1 - pg0)) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
  fact "${name}_podium_cpu_s" "$(awk -v d=$((c1 - c0)) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
  fact "${name}_machine_busy_s" "$(awk -v d=$((${m1% *} - ${m0% *})) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
  fact "${name}_machine_total_s" "$(awk -v d=$((${m1#* } - ${m0#* })) -v t="$clk_tck" 'BEGIN { printf "%.2f", d / t }')"
}

for s in $systems; do
  for ((run = 1; run <= recompute_runs; run++)); do
    recompute "$s" "$run"
  done
done
fact db_size_after_recompute_bytes "$(sql -c 'select pg_database_size(current_database())')"

# Start-up twice: from the snapshots the recomputes stored (what every restart does), then
# with the snapshots deleted (the first start of a release that cannot read them: every match
# replayed). The second process stays up for the write test.
log "restarting podium on the filled database (start-up from the league snapshots)"
fact snapshot_bytes "$(sql -c 'select coalesce(sum(octet_length(body)), 0) from league_snapshot')"
start_podium loaded
fact loaded_ready_wall_s "$ready_wall"
sleep 1
fact rss_loaded_kb "$(rss_kb "$podium_pid")"
scrape "$raw/loaded-metrics.txt"
stop_podium
run_waited sql -c 'delete from league_snapshot' >/dev/null || die "could not delete the snapshots"
log "restarting podium without snapshots (start-up replaying every match)"
start_podium replayed
fact replayed_ready_wall_s "$ready_wall"
sleep 1
fact rss_replayed_kb "$(rss_kb "$podium_pid")"

# Sanity check before measuring: one match through the API, as the wrk script sends it.
code=$(api POST "/api/v1/leagues/$write_league/matches" \
  '{"played_at":"2026-01-01T00:00:00Z","teams":[{"participants":["p0"],"rank":1},{"participants":["p1"],"rank":2}]}')
[ "$code" = 201 ] || die "POST a match answered $code: $(head -c 500 "$workdir/api-response.txt")"

export PODIUM_BENCH_LEAGUE=$write_league PODIUM_BENCH_PARTICIPANTS=$write_participants PODIUM_BENCH_TOKEN=$token
url="http://127.0.0.1:$http_port"
lua=$here/record-match.lua
if ((warmup > 0)); then
  log "record: ${warmup}s warm-up"
  run_waited wrk -t"$threads" -c"$connections" -d"${warmup}s" -s "$lua" "$url" \
    >"$raw/record-warmup.wrk.txt" 2>&1 || die "wrk warm-up failed: $(tail -n 5 "$raw/record-warmup.wrk.txt")"
fi
max_id_before=$(sql -c "select coalesce(max(m.id), 0) from league_match m join league l on l.id = m.league_id where l.slug = '$write_league'")
scrape "$raw/record-metrics-before.txt"
log "record: wrk -t$threads -c$connections -d${duration}s --latency -s ${lua#"$root"/}"
(sleep $((duration / 2)) && top -b -n2 -d1 -H -w 200 | awk '/^top - /{n++} n==2 && c++ < 30' >"$raw/record-top.txt" 2>&1) &
helper_pids+=($!)
before=$(cpu_mark)
run_waited wrk -t"$threads" -c"$connections" -d"${duration}s" --latency -s "$lua" "$url" \
  >"$raw/record.wrk.txt" 2>&1 || die "wrk failed: $(tail -n 5 "$raw/record.wrk.txt")"
after=$(cpu_mark)
wait "${helper_pids[-1]}" 2>/dev/null || true
unset 'helper_pids[-1]'
cpu_record record "$before" "$after"
max_id_after=$(sql -c "select coalesce(max(m.id), 0) from league_match m join league l on l.id = m.league_id where l.slug = '$write_league'")
scrape "$raw/record-metrics-after.txt"
grep -E 'Requests/sec|Latency |99%|Non-2xx' "$raw/record.wrk.txt" | sed 's/^/    /' >&3 || true
grep -q '^PODIUM_WRK_JSON ' "$raw/record.wrk.txt" || die "wrk printed no results (see $raw/record.wrk.txt)"
fact record_rss_after_kb "$(rss_kb "$podium_pid")"

# A short extra run with every statement logged, to see what one write costs in SQL (not
# measured: logging slows it down).
log "record: ${profile_s}s more with PostgreSQL's statement log on (where the time goes)"
set_pg log_min_duration_statement 0
offset=$(log_size)
run_waited wrk -t"$threads" -c"$connections" -d"${profile_s}s" -s "$lua" "$url" \
  >"$raw/record-logged.wrk.txt" 2>&1 || die "wrk (logged run) failed: $(tail -n 5 "$raw/record-logged.wrk.txt")"
set_pg log_min_duration_statement -1
tail -c +"$((offset + 1))" "$pglog" >"$raw/record-logged.pglog"
stop_podium

# How the run's matches were committed (group commit) and how many arrived late.
IFS='|' read -r commits committed late late_commits largest < <("$psql" "$db_url" -qAtX \
  -v slug="$write_league" -v after_id="$max_id_before" -v upto_id="$max_id_after" -f "$here/write-batches.sql") \
  || die "could not read back the recorded matches"
fact record_commits "$commits"
fact record_matches_committed "$committed"
fact record_late_matches "$late"
fact record_late_commits "$late_commits"
fact record_largest_commit "$largest"
fact record_history_rows "$(sql -c "select count(*) from rating_history h join league l on l.id = h.league_id where l.slug = '$write_league'")"

podium_log_errors

PYTHONDONTWRITEBYTECODE=1 python3 "$here/report.py" --run "$workdir" --out "$out"
