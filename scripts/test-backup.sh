#!/usr/bin/env bash
# Tests of backups and disaster recovery (issue 19) with real components on loopback: the native
# stack with pgBackRest (a local repository and an S3 one: moto's server behind Nginx TLS), a
# generated dataset, scheduled and manual backups and their metrics, the restore drill from both
# repositories, point-in-time recovery to an instant under continuous writes (every transaction
# committed before it kept, none after), --latest after a crash (the recovery point bound), a
# damaged backup and a missing WAL segment failing loudly, and the age-encrypted configuration
# archive round trip, and one leaderboard and one league deleted by mistake put back by
# restore-resource without rolling back anything else. Ends with `backup: N passed, M failed`; stops everything it started.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-backup.sh
Environment: PODIUM_BIN (default target/debug/podium, built when missing),
  PODIUM_BACKUP_VENV (default ~/.cache/podium/backup-venv: moto's server),
  BACKUP_TEST_PORT_BASE (default 297), BACKUP_TEST_ROWS (default 300000), KEEP_WORK=1.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
finish() {
  echo
  stage_result backup
}

# The archive_timeout of this test: 5 s instead of production's 60 s keeps the run short; the
# recovery point bound checked below is archive_timeout plus the time to push one segment.
ARCHIVE_TIMEOUT=5
RPO_SLACK=5
ROWS=${BACKUP_TEST_ROWS:-300000}
VENV=${PODIUM_BACKUP_VENV:-$HOME/.cache/podium/backup-venv}
MOTO_VERSION=5.2.1

step "static checks"
SCRIPTS=(scripts/test-backup.sh deploy/scripts/backup deploy/scripts/restore deploy/scripts/restore-drill
  deploy/scripts/restore-resource
  deploy/lib/backup.sh deploy/local/stack)
check "shellcheck" shellcheck -x "${SCRIPTS[@]}"
check "report.py compiles" python3 -m py_compile deploy/pgbackrest/report.py
# shellcheck disable=SC2016 # the inner script expands its own variables
check "systemd units name existing commands" bash -c '
  for f in deploy/systemd/*.service; do
    grep -q "^ExecStart=/srv/podium/deploy/scripts/" "$f" || { echo "$f: ExecStart"; exit 1; }
  done
  for f in deploy/systemd/*.timer; do
    [ -f "${f%.timer}.service" ] || { echo "$f: no service"; exit 1; }
    grep -q "^OnCalendar=" "$f" || { echo "$f: no OnCalendar"; exit 1; }
  done'
if command -v systemd-analyze >/dev/null 2>&1; then
  # shellcheck disable=SC2016 # the inner script expands its own variables
  check "systemd timers' calendars parse" bash -c \
    'for f in deploy/systemd/*.timer; do systemd-analyze calendar "$(sed -n "s/^OnCalendar=//p" "$f")" >/dev/null || exit 1; done'
fi

step "dependencies"
need=()
for p in pgbackrest age nginx postgresql-15 openssl curl shellcheck prometheus-node-exporter; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null \
    || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null; }
fi
if ! "$VENV/bin/python" -c "import moto, boto3; assert moto.__version__ == '$MOTO_VERSION'" 2>/dev/null; then
  echo "creating $VENV (moto[server]==$MOTO_VERSION)"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "moto[server]==$MOTO_VERSION"
fi
PODIUM_BIN=${PODIUM_BIN:-$REPO/target/debug/podium}
if [ ! -x "$PODIUM_BIN" ]; then
  SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium
fi
export PODIUM_BIN
echo "pgbackrest $(pgbackrest version | awk '{print $2}'), age $(age --version), moto $MOTO_VERSION"

WORK=$(mktemp -d /tmp/podium-backup-test.XXXXXX)
chmod 755 "$WORK"
export PODIUM_STACK_DIR=$WORK/stack
export PODIUM_STACK_PORT_BASE=${BACKUP_TEST_PORT_BASE:-297}
S=$PODIUM_STACK_DIR
PIDS=()
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local pid
  deploy/local/stack down >/dev/null 2>&1 || true
  [ -f "$WORK/drillpg/postmaster.pid" ] && runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$WORK/drillpg" -m immediate stop >/dev/null 2>&1
  [ -f "$WORK/s3nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/s3nginx/nginx.pid")" 2>/dev/null
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "an S3-compatible object store: moto's server behind Nginx TLS"
MOTO_PORT=$(free_port); S3_PORT=$(free_port); BUCKET=podium-backups
mkdir -p "$WORK/s3ca" "$WORK/s3nginx/logs"
(cd "$WORK/s3ca"
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
   -days 2 -subj "/CN=backup test CA" 2>/dev/null
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout s3.key -out s3.csr -subj "/CN=localhost" 2>/dev/null
 printf 'subjectAltName=DNS:localhost\n' >ext.cnf
 openssl x509 -req -in s3.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out s3.crt 2>/dev/null)
chmod 644 "$WORK/s3ca/ca.crt"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$MOTO_PORT" >"$WORK/moto.log" 2>&1 &
PIDS+=($!)
cat >"$WORK/s3nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $WORK/s3nginx/nginx.pid;
error_log $WORK/s3nginx/logs/error.log;
events { worker_connections 64; }
http {
  access_log $WORK/s3nginx/logs/access.log;
  client_body_temp_path $WORK/s3nginx/body; proxy_temp_path $WORK/s3nginx/proxy;
  fastcgi_temp_path $WORK/s3nginx/fastcgi; uwsgi_temp_path $WORK/s3nginx/uwsgi; scgi_temp_path $WORK/s3nginx/scgi;
  server {
    listen 127.0.0.1:$S3_PORT ssl;
    server_name localhost;
    ssl_certificate $WORK/s3ca/s3.crt;
    ssl_certificate_key $WORK/s3ca/s3.key;
    client_max_body_size 0;
    proxy_request_buffering off;
    location / { proxy_pass http://127.0.0.1:$MOTO_PORT; proxy_set_header Host \$http_host; }
  }
}
NGINX
if wait_for 30 curl -fsS "http://127.0.0.1:$MOTO_PORT/" && nginx -p "$WORK/s3nginx" -c "$WORK/s3nginx/nginx.conf" 2>"$WORK/s3nginx/start.log" \
  && "$VENV/bin/python" -c "
import boto3, sys
s3 = boto3.client('s3', endpoint_url='https://localhost:$S3_PORT', verify='$WORK/s3ca/ca.crt',
                  aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
s3.create_bucket(Bucket='$BUCKET')"; then
  ok "object store answers over TLS (bucket $BUCKET created)"
else
  bad "object store over TLS"; tail -n 5 "$WORK/moto.log" "$WORK/s3nginx/start.log"; finish
fi

step "the native stack with backups into both repositories"
cat >"$WORK/test.env" <<EOF2
PG_ARCHIVE_TIMEOUT=$ARCHIVE_TIMEOUT
BACKUP_SCHEDULER_TICK=2
SCRAPE_INTERVAL=1s
EVALUATION_INTERVAL=1s
BACKUP_S3_BUCKET=$BUCKET
BACKUP_S3_ENDPOINT=localhost
BACKUP_S3_PORT=$S3_PORT
BACKUP_S3_URI_STYLE=path
BACKUP_S3_CA_FILE=$WORK/s3ca/ca.crt
RATE_LIMIT_WRITES=5000r/s
RATE_LIMIT_WRITES_BURST=5000
EOF2
export PODIUM_STACK_ENV=$WORK/test.env
mkdir -p "$S/secrets"; chmod 700 "$S/secrets"
(umask 077; echo test >"$S/secrets/backup_s3_key"; echo test >"$S/secrets/backup_s3_key_secret")
t0=$SECONDS
if deploy/local/stack up >"$WORK/up.log" 2>&1; then ok "stack up with pgBackRest ($((SECONDS - t0)) s)"; else bad "stack up"; tail -n 30 "$WORK/up.log"; finish; fi
eval "$(deploy/local/stack env | grep -E '^(PG_PORT|HTTPS_PORT|SERVER_NAME|NODE_EXPORTER_LISTEN|TEXTFILE_DIR|BACKUP_REPO1_PATH)=' | sed 's/^/V_/')"
psql_pg() { runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$S/pg" -p "$V_PG_PORT" -U postgres -d podium "$@"; }
pgbr() { runuser -u postgres -- pgbackrest --config="$S/backup/pgbackrest.conf" --config-include-path="$S/backup/conf.d" --stanza=podium "$@"; }
api() { curl -sS -m 30 --cacert "$S/tls/ca/ca.crt" --resolve "$V_SERVER_NAME:$V_HTTPS_PORT:127.0.0.1" \
  -H "Authorization: Bearer $(cat "$S/secrets/api_token")" "$@"; }
API=https://$V_SERVER_NAME:$V_HTTPS_PORT/api/v1

check "archiving on, archive_timeout ${ARCHIVE_TIMEOUT}s, commit timestamps tracked" bash -c \
  "[ \"\$(runuser -u postgres -- psql -X -At -h '$S/pg' -p '$V_PG_PORT' -d postgres -c \"select string_agg(setting, ',' order by name) from pg_settings where name in ('archive_mode','archive_timeout','track_commit_timestamp')\")\" = 'on,$ARCHIVE_TIMEOUT,on' ]"
check "secrets are 0600 and the passphrase is in no log or rendered config" bash -c "
  for f in '$S/secrets/backup_cipher_pass' '$S/backup/conf.d/secrets.conf'; do [ \"\$(stat -c %a \"\$f\")\" = 600 ] || { echo \"\$f not 0600\"; exit 1; }; done
  ! grep -rqF \"\$(cat '$S/secrets/backup_cipher_pass')\" '$S/backup/pgbackrest.conf' '$S/backup/log' '$S/backup/logs' '$WORK/up.log' '$S/pg/postgres.log'"
# Deletes from repository 2 (the object store) every archived WAL file whose name starts with
# PREFIX; prints the keys it deleted.
delete_wal_from_repo2() { # PREFIX
  "$VENV/bin/python" - "$1" <<PY
import boto3, sys
s3 = boto3.client('s3', endpoint_url='https://localhost:$S3_PORT', verify='$WORK/s3ca/ca.crt',
                  aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
gone = []
for page in s3.get_paginator('list_objects_v2').paginate(Bucket='$BUCKET', Prefix='podium/archive/'):
    for o in page.get('Contents', []):
        if o['Key'].rsplit('/', 1)[-1].startswith(sys.argv[1]):
            s3.delete_object(Bucket='$BUCKET', Key=o['Key'])
            gone.append(o['Key'])
print(' '.join(gone))
PY
}
# shellcheck disable=SC2317 # called through wait_for
has_full() { pgbr --repo="$1" info --output=json | python3 -c 'import json,sys; sys.exit(0 if any(b["type"]=="full" for b in json.load(sys.stdin)[0]["backup"]) else 1)'; }
check "the scheduler took the first full backup into repository 1 (local)" wait_for 90 has_full 1
check "the scheduler took the first full backup into repository 2 (S3 over TLS)" wait_for 90 has_full 2
check "pgbackrest check: archiving reaches both repositories" pgbr check

step "dataset: $ROWS leaderboard entries generated with SQL"
t0=$SECONDS
# The first score through the API creates the current period; the rest go straight into it.
if api -f -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"slug":"big","name":"Big board"}' "$API/leaderboards" \
  && api -f -o /dev/null -X PUT -H 'Content-Type: application/json' -d '{"score":1}' "$API/leaderboards/big/scores/seed" \
  && psql_pg -c "
    insert into score (period_id, participant, score, subscore, num_submissions, reached_at, created_at, updated_at)
    select p.id, 'player-' || g, (g::bigint * 7919) % 1000003, g % 13, 1 + g % 5, now() - g * interval '1 second', now(), now()
      from generate_series(1, $ROWS) g, (select lp.id from leaderboard_period lp join leaderboard l on l.id = lp.leaderboard_id where l.slug = 'big' order by lp.starts_at desc limit 1) p;
    create schema if not exists podium_ops authorization postgres;
    create table podium_ops.test_write (n bigint generated always as identity primary key, at timestamptz not null default clock_timestamp(), pad text);
    create procedure podium_ops.test_writer(total int, pause float8) language plpgsql as \$\$
    begin
      for i in 1..total loop
        insert into podium_ops.test_write (pad) values (repeat('x', 200));
        commit;
        perform pg_sleep(pause);
      end loop;
    end \$\$;
    analyze;"; then
  ok "dataset generated ($((SECONDS - t0)) s, database $(psql_pg -c "select pg_size_pretty(pg_database_size('podium'))"))"
else
  bad "dataset"; finish
fi

step "backups on demand and their metrics"
t0=$SECONDS
check "deploy/scripts/backup run incr (both repositories)" deploy/scripts/backup run incr
echo "       incremental of the dataset into both repositories: $((SECONDS - t0)) s"
prom=$V_TEXTFILE_DIR/podium_backup.prom
check "metrics: last full and incr success, duration, size, repository sizes" bash -c "
  grep -q '^podium_backup_last_success_timestamp_seconds{stanza=\"podium\",type=\"full\"} [0-9]' '$prom' &&
  grep -q '^podium_backup_last_success_timestamp_seconds{stanza=\"podium\",type=\"incr\"} [0-9]' '$prom' &&
  grep -q '^podium_backup_last_attempt_success{stanza=\"podium\",type=\"incr\"} 1' '$prom' &&
  grep -q '^podium_backup_last_size_bytes{stanza=\"podium\",type=\"incr\"} [1-9]' '$prom' &&
  grep -q '^podium_backup_repository_size_bytes{stanza=\"podium\",repo=\"2\"} [1-9]' '$prom'"
check "the node exporter serves the backup metrics" bash -c \
  "curl -fsS 'http://$V_NODE_EXPORTER_LISTEN/metrics' | grep -q '^podium_backup_last_success_timestamp_seconds{stanza=\"podium\",type=\"incr\"}'"
check "GET /api/v1/system shows the newest backup (incr) and the WAL archiver's last success" bash -c "
  curl -fsS -m 20 -H \"Authorization: Bearer \$(cat '$S/secrets/api_token')\" 'http://127.0.0.1:${PODIUM_STACK_PORT_BASE}01/api/v1/system' |
  python3 -c 'import json,sys; s=json.load(sys.stdin); b=s[\"backup\"]; print(b); sys.exit(0 if s[\"last_backup_at\"] and b[\"status\"]==\"reported\" and b[\"last_type\"]==\"incr\" and b[\"last_size_bytes\"] > 0 and b[\"wal_last_archived_at\"] else 1)'"
check "a failed attempt is reported as such (repository 3 does not exist)" bash -c "
  ! deploy/scripts/backup run diff --repo 3 >/dev/null 2>&1 &&
  grep -q '^podium_backup_last_attempt_success{stanza=\"podium\",type=\"diff\"} 0' '$prom'"

step "one leaderboard and one league deleted by mistake, put back by restore-resource"
japi() { api -f -o /dev/null -H 'Content-Type: application/json' "$@"; }
made=1
japi -X POST -d '{"slug":"oops","name":"Deleted by mistake"}' "$API/leaderboards" || made=0
for i in $(seq 1 25); do japi -X PUT -d "{\"score\":$((i * 37 % 101))}" "$API/leaderboards/oops/scores/p$i" || made=0; done
japi -X POST -d '{"slug":"oops-league","name":"Deleted by mistake","system":"elo"}' "$API/leagues" || made=0
for m in $(seq 1 12); do
  japi -X POST -d "{\"played_at\":\"2026-01-$(printf %02d "$m")T10:00:00Z\",\"teams\":[{\"participants\":[\"p$((m % 5))\"],\"rank\":1},{\"participants\":[\"q$((m % 3))\"],\"rank\":2}]}" \
    "$API/leagues/oops-league/matches" || made=0
done
if [ "$made" = 1 ]; then ok "leaderboard oops (25 scores) and league oops-league (12 matches) made through the API"; else bad "making the resources"; fi
# What the API shows and every row of each resource, before the deletion. (Nothing here writes
# to the board "big": the point-in-time section below counts its entries.)
shown() { # PATH FIELD
  api -f "$API/$1" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[sys.argv[1]], sort_keys=True))' "$2"
}
rows() { # KIND SLUG: every row of the resource, as text, in a fixed order
  if [ "$1" = leaderboard ]; then
    psql_pg -v s="$2" <<<"select t::text from leaderboard t where slug = :'s' union all
      select p::text from leaderboard_period p join leaderboard l on l.id = p.leaderboard_id where l.slug = :'s' union all
      select x::text from score x join leaderboard_period p on p.id = x.period_id join leaderboard l on l.id = p.leaderboard_id where l.slug = :'s' order by 1"
  else
    psql_pg -v s="$2" <<<"select t::text from league t where slug = :'s' union all
      select x::text from league_participant x join league l on l.id = x.league_id where l.slug = :'s' union all
      select x::text from league_season x join league l on l.id = x.league_id where l.slug = :'s' union all
      select x::text from league_match x join league l on l.id = x.league_id where l.slug = :'s' union all
      select x::text from rating_history x join league l on l.id = x.league_id where l.slug = :'s' union all
      select x::text from league_snapshot x join league l on l.id = x.league_id where l.slug = :'s' order by 1"
  fi
}
shown "leaderboards/oops/entries?limit=100" entries >"$WORK/oops-entries.json"
shown "leagues/oops-league/standings?include_provisional=true&limit=100" standings >"$WORK/oops-standings.json"
rows leaderboard oops >"$WORK/oops-rows.txt"; rows league oops-league >"$WORK/oops-league-rows.txt"
echo "       before the deletion: $(wc -l <"$WORK/oops-rows.txt") leaderboard rows, $(wc -l <"$WORK/oops-league-rows.txt") league rows"
DELETED_AT=$(psql_pg -c "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
sleep 1
if api -f -o /dev/null -X DELETE "$API/leaderboards/oops" && api -f -o /dev/null -X DELETE "$API/leagues/oops-league"; then
  ok "both deleted through the API"
else
  bad "deleting them"
fi
if ! { japi -X POST -d '{"slug":"after","name":"Written after the deletion"}' "$API/leaderboards" &&
  japi -X PUT -d '{"score":7}' "$API/leaderboards/after/scores/late" &&
  japi -X PUT -d '{"score":9}' "$API/leaderboards/after/scores/later"; }; then
  bad "writing after the deletion"
fi
pids() { cat "$S"/colours/*/pid 2>/dev/null | sort | tr '\n' ' '; }
PIDS_BEFORE=$(pids)
# The live database's state, to show a refusal changed nothing.
live_state() {
  psql_pg -c "select (select last_seq from change_counter), (select count(*) from leaderboard), (select count(*) from league),
    (select count(*) from audit_log), (select count(*) from score), (select count(*) from league_match)"
}
before=$(live_state)
# shellcheck disable=SC2317 # called through check
refused() { # WHAT-IT-SAYS ARGS...: restore-resource fails, says so, and the live database is unchanged
  local says=$1 out
  shift
  if out=$(deploy/scripts/restore-resource "$@" 2>&1); then echo "it did not refuse"; return 1; fi
  echo "$out" | grep -qF "$says" || { echo "$out" | tail -n 5; return 1; }
  [ ! -e "$S/backup/resource" ] || { echo "the scratch cluster was left behind"; return 1; }
  [ "$(live_state)" = "$before" ] || { echo "the live database changed: $before -> $(live_state)"; return 1; }
}
check "refused: the slug is taken live (delete or rename it first), nothing changed" \
  refused "delete or rename it first" --leaderboard after --to "$DELETED_AT"
check "refused: no such league at that time (scratch cluster torn down), nothing changed" \
  refused "no league had the slug 'never-was'" --league never-was --to "$DELETED_AT"
for r in leaderboard:oops league:oops-league; do
  if deploy/scripts/restore-resource "--${r%%:*}" "${r#*:}" --to "$DELETED_AT" >"$WORK/resource-${r#*:}.log" 2>&1; then
    ok "restore-resource --${r%%:*} ${r#*:} --to the time before the deletion"
    sed -n '/^restore-resource (/,/total/p' "$WORK/resource-${r#*:}.log" | sed 's/^/       /'
  else
    bad "restore-resource --${r%%:*} ${r#*:}"; tail -n 20 "$WORK/resource-${r#*:}.log"
  fi
done
# shellcheck disable=SC2317 # called through check
same_rows() { rows leaderboard oops | cmp - "$WORK/oops-rows.txt" && rows league oops-league | cmp - "$WORK/oops-league-rows.txt"; }
check "every row of both is back as before the deletion (ids kept)" same_rows
# shellcheck disable=SC2317 # called through wait_for
served_again() {
  [ "$(shown "leaderboards/oops/entries?limit=100" entries)" = "$(cat "$WORK/oops-entries.json")" ] &&
  [ "$(shown "leagues/oops-league/standings?include_provisional=true&limit=100" standings)" = "$(cat "$WORK/oops-standings.json")" ]
}
if wait_for 20 served_again && [ "$(pids)" = "$PIDS_BEFORE" ]; then
  ok "the running Podium serves the same entries, ranks and standings as before, without a restart (pids $PIDS_BEFORE)"
else
  bad "served after restore-resource (pids before $PIDS_BEFORE, now $(pids))"
  shown "leaderboards/oops/entries?limit=100" entries | head -c 300; echo
fi
check "what was written after the deletion is still there" test "$(psql_pg -c "select count(*) from score s
  join leaderboard_period p on p.id = s.period_id join leaderboard l on l.id = p.leaderboard_id
  where l.slug = 'after' and s.participant in ('late', 'later')")" = 2

step "restore drills under continuous writes"
psql_pg -c "call podium_ops.test_writer(100000, 0.01)" >"$WORK/writer1.log" 2>&1 &
WRITER=$!
PIDS+=("$WRITER")
# shellcheck disable=SC2317 # called through wait_for
writes_at_least() { [ "$(psql_pg -c "select count(*) >= $1 from podium_ops.test_write")" = t ]; }
wait_for 20 writes_at_least 50 || bad "the writer does not write"
TARGET=$(psql_pg -c "select to_char(clock_timestamp() at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS.US') || '+00'")
echo "       target instant for the point-in-time restore: $TARGET"
for repo in 1 2; do
  if deploy/scripts/restore-drill --repo "$repo" --json "$WORK/drill$repo.json" >"$WORK/drill$repo.log" 2>&1; then
    ok "restore drill from repository $repo: every table identical, sentinels right"
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("       RPO %ss, RTO %.1fs (restore %.1fs + recovery %.1fs), %d rows, %.1f MB, %.2f GB/min, 10 GB projected %.0fs" % (r["rpo_seconds"], r["rto_seconds"], r["steps_seconds"]["restore"], r["steps_seconds"]["recovery"], r["rows"], r["restored_bytes"]/1e6, r["restore_gb_per_min"], r["projected_rto_10gb_seconds"]))' "$WORK/drill$repo.json"
  else
    bad "restore drill from repository $repo"; tail -n 20 "$WORK/drill$repo.log"
  fi
done
check "drill metrics: success, RTO under its target" bash -c "
  grep -q '^podium_restore_drill_success{stanza=\"podium\",repo=\"2\"} 1' '$V_TEXTFILE_DIR/podium_restore_drill.prom' &&
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); sys.exit(0 if r[\"ok\"] and r[\"rto_seconds\"] <= r[\"rto_target_seconds\"] else 1)' '$WORK/drill1.json'"
check "the drill's writes paused at most 60 s (lock_timeout) and the writer kept going" bash -c \
  "kill -0 $WRITER && [ \"\$(runuser -u postgres -- psql -X -At -h '$S/pg' -p '$V_PG_PORT' -d podium -c \"select count(*) from podium_ops.test_write where at > '$TARGET'\")\" -gt 0 ]"

step "a missing WAL segment makes recovery past it fail loudly"
# A WAL segment archived after the newest backup of repository 2, deleted from the object store.
seg=$(pgbr --repo=2 info --output=json | python3 -c 'import json,sys; b=json.load(sys.stdin)[0]["backup"]; print([x for x in b if x["database"]["repo-key"]==2][-1]["archive"]["stop"])')
next=$(python3 -c 'import sys; s=sys.argv[1]; print(s[:16] + "%08X" % (int(s[16:], 16) + 1))' "$seg")
deleted=$(delete_wal_from_repo2 "$next")
echo "       deleted from repository 2: ${deleted:-nothing}"
if [ -z "$deleted" ]; then
  bad "no WAL segment $next to delete in repository 2"
elif deploy/scripts/restore-drill --repo 2 >"$WORK/drill-gap.log" 2>&1; then
  bad "the drill recovered past a missing WAL segment"
elif grep -q 'RESTORE DRILL FAILED' "$WORK/drill-gap.log" && grep -qi "recovery ended before configured recovery target was reached\|could not\|not found" "$WORK/drill-gap.log"; then
  ok "recovery past the missing segment fails with PostgreSQL's own reason: $(grep -oi 'recovery ended before configured recovery target was reached' "$WORK/drill-gap.log" | head -n 1)"
else
  bad "the drill failed without a clear reason"; tail -n 10 "$WORK/drill-gap.log"
fi


step "point-in-time restore of the live stack to the target instant"
sleep 2
kill "$WRITER" 2>/dev/null; wait "$WRITER" 2>/dev/null || true
psql_pg -c "select pg_cancel_backend(pid) from pg_stat_activity where query like 'call podium_ops.test_writer%' and pid <> pg_backend_pid()" >/dev/null
# The truth, from the live database: which writes committed at or before the target.
psql_pg -c "select n from podium_ops.test_write where pg_xact_commit_timestamp(xmin) <= '$TARGET' order by n" >"$WORK/want-before.txt"
psql_pg -c "select count(*) from podium_ops.test_write where pg_xact_commit_timestamp(xmin) > '$TARGET'" >"$WORK/want-after.txt"
echo "       live: $(wc -l <"$WORK/want-before.txt") writes committed before the target, $(cat "$WORK/want-after.txt") after"
check "the restore refuses a running cluster without --stop (and changes nothing)" bash -c \
  "! deploy/scripts/restore --to '$TARGET' >/dev/null 2>&1 && [ ! -e '$S/pg/data.before-restore-'* ] && curl -fsS -o /dev/null 'http://127.0.0.1:${PODIUM_STACK_PORT_BASE}01/readyz'"
if deploy/scripts/restore --to "$TARGET" --stop >"$WORK/restore-pitr.log" 2>&1; then
  ok "deploy/scripts/restore --to TARGET --stop (migrate, Podium, smoke)"
  sed -n '/^restore (/,/total/p' "$WORK/restore-pitr.log" | sed 's/^/       /'
else
  bad "deploy/scripts/restore --to TARGET --stop"; tail -n 30 "$WORK/restore-pitr.log"
fi
psql_pg -c "select n from podium_ops.test_write order by n" >"$WORK/got.txt" 2>&1 || true
if [ "$(wc -l <"$WORK/want-before.txt")" -ge 50 ] && [ "$(cat "$WORK/want-after.txt")" -gt 0 ] && cmp -s "$WORK/want-before.txt" "$WORK/got.txt"; then
  ok "every write committed before the target is back, none committed after ($(wc -l <"$WORK/got.txt") rows)"
else
  bad "restored writes differ from those committed before the target"; diff "$WORK/want-before.txt" "$WORK/got.txt" | head -n 5
fi
check "Podium rebuilt its index from the restored database ($ROWS + 1 entries)" bash -c \
  "curl -fsS -m 20 -H \"Authorization: Bearer \$(cat '$S/secrets/api_token')\" 'http://127.0.0.1:${PODIUM_STACK_PORT_BASE}01/api/v1/system' | python3 -c 'import json,sys; b=[l for l in json.load(sys.stdin)[\"leaderboards\"] if l[\"slug\"]==\"big\"]; sys.exit(0 if b and b[0][\"entries\"]==$ROWS + 1 else 1)'"
check "the old data folder is kept aside" bash -c "ls -d '$S'/pg/data.before-restore-* >/dev/null"

step "host lost: --latest after a crash loses at most archive_timeout of commits"
psql_pg -c "call podium_ops.test_writer(100000, 0.005)" >"$WORK/writer2.log" 2>&1 &
WRITER=$!
PIDS+=("$WRITER")
sleep $((2 * ARCHIVE_TIMEOUT + 2))
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$S/pg/data" -m immediate -w stop >/dev/null
wait "$WRITER" 2>/dev/null || true
# What the crashed cluster had committed, read without archiving anything more (its own port).
mkdir -p "$WORK/crashsock"; touch "$WORK/crash.log"; chown postgres: "$WORK/crashsock" "$WORK/crash.log"
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$S/pg/data" -l "$WORK/crash.log" -w -t 120 \
  -o "-c config_file=$S/pg/conf/postgresql.conf -c archive_mode=off -c port=$((V_PG_PORT + 2)) -c listen_addresses='' -c unix_socket_directories='$WORK/crashsock'" start >/dev/null
crash_q() { runuser -u postgres -- psql -X -At -h "$WORK/crashsock" -p $((V_PG_PORT + 2)) -d podium -c "$1"; }
LIVE=$(crash_q "select max(n) || '|' || extract(epoch from max(pg_xact_commit_timestamp(xmin))) from podium_ops.test_write")
crash_q "select n from podium_ops.test_write order by n" >"$WORK/crashed-rows.txt"
runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$S/pg/data" -m fast -w stop >/dev/null
t0=$SECONDS
if deploy/scripts/restore --latest --stop >"$WORK/restore-latest.log" 2>&1; then
  ok "deploy/scripts/restore --latest --stop ($((SECONDS - t0)) s)"
  sed -n '/^restore (/,/total/p' "$WORK/restore-latest.log" | sed 's/^/       /'
else
  bad "deploy/scripts/restore --latest --stop"; tail -n 30 "$WORK/restore-latest.log"
fi
GOT=$(psql_pg -c "select max(n) || '|' || extract(epoch from max(pg_xact_commit_timestamp(xmin))) from podium_ops.test_write" 2>&1 || true)
psql_pg -c "select n from podium_ops.test_write order by n" >"$WORK/latest-rows.txt" 2>&1 || true
# The restored rows are exactly the crashed cluster's, up to the last one restored: no hole.
prefix=no
if [ -s "$WORK/latest-rows.txt" ] && head -n "$(wc -l <"$WORK/latest-rows.txt")" "$WORK/crashed-rows.txt" | cmp -s - "$WORK/latest-rows.txt"; then prefix=yes; fi
RPO=$(python3 -c 'import sys; a=sys.argv[1].split("|"); b=sys.argv[2].split("|"); print(f"{float(a[1]) - float(b[1]):.1f}")' "$LIVE" "$GOT" 2>/dev/null || echo "?")
echo "       crashed cluster's last commit: row ${LIVE%%|*}; restored up to row ${GOT%%|*}; commits lost: ${RPO} s (bound: archive_timeout ${ARCHIVE_TIMEOUT} s + ${RPO_SLACK} s)"
if [[ $RPO =~ ^-?[0-9.]+$ ]] && [ "$prefix" = yes ] && python3 -c "import sys; sys.exit(0 if 0 <= $RPO <= $ARCHIVE_TIMEOUT + $RPO_SLACK else 1)"; then
  ok "recovery point within archive_timeout + ${RPO_SLACK} s, no gap in the restored writes"
else
  bad "recovery point: lost ${RPO} s (live $LIVE, restored $GOT, restored rows a prefix of the crashed ones: $prefix)"
fi
echo "$RPO" >"$WORK/rpo.txt"

step "a damaged backup fails verify and the drill loudly"
# Bytes flipped in the largest file of the newest backup in repository 1.
label=$(pgbr --repo=1 info --output=json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["backup"][-1]["label"])')
victim=$(find "$V_BACKUP_REPO1_PATH/backup/podium/$label" -type f -name '*.zst' -printf '%s %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
python3 - "$victim" <<'PY'
import sys
p = sys.argv[1]
data = bytearray(open(p, "rb").read())
for i in range(len(data) // 2, len(data) // 2 + 16):
    data[i] ^= 0xFF
open(p, "wb").write(bytes(data))
PY
check "pgbackrest verify finds the damaged file" bash -c \
  "out=\$(deploy/scripts/backup verify --repo 1 2>&1); rc=\$?; echo \"\$out\" | tail -n 5; [ \$rc -ne 0 ] && echo \"\$out\" | grep -qi 'invalid\|checksum\|error'"
if deploy/scripts/restore-drill --repo 1 >"$WORK/drill-damaged.log" 2>&1; then
  bad "the drill restored from a damaged backup without noticing"
elif grep -q 'RESTORE DRILL FAILED' "$WORK/drill-damaged.log" && grep -q '^podium_restore_drill_success{stanza="podium",repo="1"} 0' "$V_TEXTFILE_DIR/podium_restore_drill.prom"; then
  ok "the drill fails loudly on the damaged backup (and reports success 0)"
else
  bad "the drill failed without saying so"; tail -n 10 "$WORK/drill-damaged.log"
fi
step "the configuration archive round trip (age)"
CONFIG_FILES=(stack.env secrets tls nginx/conf)
sums() { (cd "$S" && find "${CONFIG_FILES[@]}" -type f ! -name config_archive.key -print0 | sort -z | xargs -0 sha256sum); }
if deploy/scripts/backup config-archive >"$WORK/config.log" 2>&1; then
  ok "configuration archive written"
else
  bad "configuration archive"; cat "$WORK/config.log"
fi
sums >"$WORK/config-before.txt"
cp "$S/secrets/config_archive.key" "$WORK/offhost.key"
archive=$(find "$S/backup/config-archive" -name 'podium-config-*.tar.age' | sort | tail -n 1)
check "the archive is encrypted (no secret in clear)" bash -c "! grep -aqF \"\$(cat '$S/secrets/db_owner_password')\" '$archive' && ! tar -tf '$archive' >/dev/null 2>&1"
check "its permissions are 0600" test "$(stat -c %a "$archive")" = 600
(cd "$S" && rm -rf "${CONFIG_FILES[@]}")
if deploy/scripts/backup config-restore "$archive" --to "$S" --identity "$WORK/offhost.key" >"$WORK/config-restore.log" 2>&1 \
  && sums | cmp -s - "$WORK/config-before.txt"; then
  ok "originals deleted, restored from the archive with the off-host key: identical files ($(wc -l <"$WORK/config-before.txt"))"
else
  bad "configuration restore"; cat "$WORK/config-restore.log"; sums | diff "$WORK/config-before.txt" - | head
fi

step "--latest past a missing WAL segment refuses to start instead of losing commits quietly"
newest=$(pgbr --repo=2 info --output=json | python3 -c 'import json,sys; print(max(a["max"] for a in json.load(sys.stdin)[0]["archive"]))')
gap=$(python3 -c 'import sys; s=sys.argv[1]; print(s[:16] + "%08X" % (int(s[16:], 16) - 1))' "$newest")
deleted=$(delete_wal_from_repo2 "$gap")
echo "       deleted from repository 2: ${deleted:-nothing} (the newest is $newest)"
if [ -z "$deleted" ]; then
  bad "no WAL segment $gap to delete in repository 2"
elif deploy/scripts/restore --latest --repo 2 --stop >"$WORK/restore-gap.log" 2>&1; then
  bad "restore --latest recovered past a missing WAL segment and started"
elif grep -q 'a segment in between is missing' "$WORK/restore-gap.log" && ! curl -fsS -o /dev/null "http://127.0.0.1:${PODIUM_STACK_PORT_BASE}01/readyz" 2>/dev/null; then
  ok "restore --latest stops at the gap, says so and starts nothing"
else
  bad "restore --latest past a gap failed without the reason"; tail -n 10 "$WORK/restore-gap.log"
fi

step "report"
python3 - "$WORK" "$(cat "$WORK/rpo.txt")" <<'PY' | tee "$WORK/figures.txt"
import json, sys
w, rpo = sys.argv[1], sys.argv[2]
for repo in (1, 2):
    try:
        r = json.load(open(f"{w}/drill{repo}.json"))
    except OSError:
        continue
    print(f"drill repo{repo}: rto_s={r['rto_seconds']} restore_s={r['steps_seconds']['restore']} recovery_s={r['steps_seconds']['recovery']} "
          f"bytes={r['restored_bytes']} gb_per_min={r['restore_gb_per_min']} projected_rto_10gb_s={r['projected_rto_10gb_seconds']} rpo_s={r['rpo_seconds']}")
print(f"latest-after-crash: commits_lost_s={rpo}")
PY
[ -z "${BACKUP_TEST_FIGURES:-}" ] || cp "$WORK/figures.txt" "$BACKUP_TEST_FIGURES"
finish
