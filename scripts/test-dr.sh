#!/usr/bin/env bash
# Disaster recovery, host lost (issue 19), tested for real: an "old host" (a network namespace
# with its own address) runs the native stack with backups into an S3-compatible object store
# (moto's server behind Nginx TLS, in the test's own namespace) and copies its encrypted
# configuration archives there; writes go on, then the host dies (PostgreSQL killed, every
# process gone). A brand-new host (another namespace, another address) is rebuilt with
# deploy/scripts/rebuild-host from the deployment kit, the object store and the age identity
# alone; the test measures RTO (decision -> smoke test passes) and RPO (the old host's last
# commit -> what the new host has). Also: rebuild-host's refusals, the off-host copy's metric,
# settings.env in the archive, decrypt-before-unpack, the scheduler surviving a failing archive.
# Ends with `dr: N passed, M failed`; stops every process and deletes every namespace it made.
# shellcheck disable=SC2317 # functions run through check, wait_for and the EXIT trap
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/test-dr.sh
Environment: PODIUM_BIN (default target/debug/podium, built when missing),
  PODIUM_BACKUP_VENV (default ~/.cache/podium/backup-venv: moto's server),
  DR_TEST_NET (default 10.231.9: old host .2, new host .6), KEEP_WORK=1.
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; "") ;; *) usage >&2; exit 2 ;; esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/netns.sh
. scripts/lib/netns.sh
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
# Clean-up runs before the last line (and again, as a no-op, from the EXIT trap).
finish() {
  echo
  cleanup
  if ip netns list | grep -q "podium-dr-[a-z]*-$$" || ip link show | grep -q "pdr[on]$$"; then
    bad "namespaces or links left behind"
  elif [ "${WORK_MADE:-0}" = 1 ] && [ "${KEEP_WORK:-0}" != 1 ] && [ -e "$WORK" ]; then
    bad "work folder left behind"
  else
    ok "clean-up: every process stopped, namespaces, links and /etc/netns entries deleted"
  fi
  echo "dr tests took $((SECONDS - STARTED)) s"
  stage_result dr
}
ms() { date +%s%3N; }
STARTED=$SECONDS

ARCHIVE_TIMEOUT=5
RPO_SLACK=5
VENV=${PODIUM_BACKUP_VENV:-$HOME/.cache/podium/backup-venv}
MOTO_VERSION=5.2.1
NET=${DR_TEST_NET:-10.231.9}
OLD=podium-dr-old-$$ NEW=podium-dr-new-$$
OLD_HERE=$NET.1 OLD_ADDR=$NET.2 NEW_HERE=$NET.5 NEW_ADDR=$NET.6
PORT_BASE=184
HTTPS_PORT=${PORT_BASE}43
NAME=podium.localhost
S3_NAME=s3.podium.test
BUCKET=podium-dr

step "static checks"
# (deploy/scripts/backup, restore, the stack and its libraries: scripts/test-backup.sh checks them.)
check "shellcheck" shellcheck -x scripts/test-dr.sh scripts/lib/netns.sh deploy/scripts/rebuild-host
check "s3.py signs AWS's published Signature Version 4 examples" python3 deploy/pgbackrest/s3.py self-test

step "dependencies"
need=()
for p in pgbackrest age nginx postgresql-15 openssl curl shellcheck iproute2 acl; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
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

WORK=$(mktemp -d /tmp/podium-dr-test.XXXXXX)
WORK_MADE=1
chmod 755 "$WORK"
# The release binary: the debug build without its debug sections (packaged in seconds).
objcopy --strip-debug "$PODIUM_BIN" "$WORK/podium"
OLD_STACK=$WORK/old/stack
NEW_DIR=$WORK/new/opt-podium
NEW_STACK=$WORK/new/stack
PIDS=()
CLEANED=0
cleanup() {
  [ "$CLEANED" = 0 ] || return 0
  CLEANED=1
  local pid t=$SECONDS
  [ -d "$NEW_DIR/current" ] && [ -f "$NEW_DIR/host.env" ] && ip netns pids "$NEW" >/dev/null 2>&1 &&
    in_netns "$NEW" env PODIUM_STACK_DIR="$NEW_STACK" PODIUM_STACK_ENV="$NEW_STACK/settings.env" "$NEW_DIR/current/deploy/local/stack" down >/dev/null 2>&1
  local t1=$SECONDS
  netns_cleanup
  local t2=$SECONDS
  [ -f "$WORK/s3nginx/nginx.pid" ] && kill -QUIT "$(cat "$WORK/s3nginx/nginx.pid")" 2>/dev/null
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  local t3=$SECONDS
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
  echo "clean-up took $((SECONDS - t)) s (new host's stack $((t1 - t)) s, namespaces $((t2 - t1)) s, object store and writer $((t3 - t2)) s, files $((SECONDS - t3)) s)"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

step "two hosts ($OLD at $OLD_ADDR, $NEW at $NEW_ADDR) and an object store over TLS"
if netns_make "$OLD" "pdro$$" "pdro$$b" "$OLD_HERE" "$OLD_ADDR" && netns_make "$NEW" "pdrn$$" "pdrn$$b" "$NEW_HERE" "$NEW_ADDR"; then
  # Both reach the object store by one name, as a real host resolves its endpoint.
  netns_hosts "$OLD" "$OLD_HERE $S3_NAME"
  netns_hosts "$NEW" "$NEW_HERE $S3_NAME"
  ok "namespaces with their own addresses ($OLD_ADDR, $NEW_ADDR)"
else
  bad "network namespaces"; finish
fi
MOTO_PORT=$(free_port); S3_PORT=$(free_port)
mkdir -p "$WORK/s3ca" "$WORK/s3nginx/logs"
(cd "$WORK/s3ca"
 openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
   -days 2 -subj "/CN=dr test CA" 2>/dev/null
 openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout s3.key -out s3.csr -subj "/CN=$S3_NAME" 2>/dev/null
 printf 'subjectAltName=DNS:%s\n' "$S3_NAME" >ext.cnf
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
    listen $OLD_HERE:$S3_PORT ssl;
    listen $NEW_HERE:$S3_PORT ssl;
    server_name $S3_NAME;
    ssl_certificate $WORK/s3ca/s3.crt;
    ssl_certificate_key $WORK/s3ca/s3.key;
    client_max_body_size 0;
    proxy_request_buffering off;
    # moto reads a bucket name out of a dotted Host (virtual-host style); these clients use
    # path style, so it gets a plain one (it does not check signatures).
    location / { proxy_pass http://127.0.0.1:$MOTO_PORT; proxy_set_header Host localhost; }
  }
}
NGINX
moto() { # python code with `s3` (boto3, straight to moto) and BUCKET
  "$VENV/bin/python" -c "
import boto3, sys
s3 = boto3.client('s3', endpoint_url='http://127.0.0.1:$MOTO_PORT', aws_access_key_id='test', aws_secret_access_key='test', region_name='us-east-1')
BUCKET = '$BUCKET'
$1" "${@:2}"
}
if wait_for 30 curl -fsS "http://127.0.0.1:$MOTO_PORT/" && nginx -p "$WORK/s3nginx" -c "$WORK/s3nginx/nginx.conf" 2>"$WORK/s3nginx/start.log" \
  && moto "s3.create_bucket(Bucket=BUCKET)"; then
  ok "object store $S3_NAME:$S3_PORT over TLS for both hosts (bucket $BUCKET)"
else
  bad "object store"; tail -n 5 "$WORK/moto.log" "$WORK/s3nginx/start.log"; finish
fi

# The operator's off-host copies: the object store's settings and keys, and (later) the identity.
mkdir -p "$WORK/offhost"; chmod 700 "$WORK/offhost"
(umask 077; cat >"$WORK/offhost/s3.env" <<EOF
BACKUP_S3_BUCKET=$BUCKET
BACKUP_S3_ENDPOINT=$S3_NAME
BACKUP_S3_PORT=$S3_PORT
BACKUP_S3_URI_STYLE=path
BACKUP_S3_CA_FILE=$WORK/s3ca/ca.crt
BACKUP_S3_KEY=test
BACKUP_S3_KEY_SECRET=test
EOF
)

step "s3.py against the object store (from the old host)"
s3_old() {
  in_netns "$OLD" env BACKUP_S3_BUCKET="$BUCKET" BACKUP_S3_ENDPOINT="$S3_NAME" BACKUP_S3_PORT="$S3_PORT" BACKUP_S3_URI_STYLE=path \
    BACKUP_S3_CA_FILE="$WORK/s3ca/ca.crt" BACKUP_S3_KEY_FILE="$WORK/offhost/k" BACKUP_S3_KEY_SECRET_FILE="$WORK/offhost/k" \
    python3 deploy/pgbackrest/s3.py "$@"
}
echo test >"$WORK/offhost/k"; chmod 600 "$WORK/offhost/k"
head -c 300000 /dev/urandom >"$WORK/blob"
s3_round_trip() {
  s3_old put probe/blob "$WORK/blob" && s3_old list probe/ | grep -q '^probe/blob 300000 [0-9]' &&
    s3_old get probe/blob "$WORK/blob.back" && cmp "$WORK/blob" "$WORK/blob.back" &&
    s3_old delete probe/blob && [ -z "$(s3_old list probe/)" ]
}
check "put, list, get (identical bytes), delete over TLS" s3_round_trip

step "the old host: the native stack with both repositories and off-host configuration archives"
mkdir -p "$WORK/old" "$OLD_STACK/secrets"; chmod 700 "$OLD_STACK/secrets"
(umask 077; echo test >"$OLD_STACK/secrets/backup_s3_key"; echo test >"$OLD_STACK/secrets/backup_s3_key_secret")
cat >"$WORK/old/settings.env" <<EOF
HTTPS_LISTEN=$OLD_ADDR:$HTTPS_PORT
MONITORING=off
PG_ARCHIVE_TIMEOUT=$ARCHIVE_TIMEOUT
BACKUP_SCHEDULER_TICK=2
CONFIG_ARCHIVE_EVERY=4s
BACKUP_S3_BUCKET=$BUCKET
BACKUP_S3_ENDPOINT=$S3_NAME
BACKUP_S3_PORT=$S3_PORT
BACKUP_S3_URI_STYLE=path
BACKUP_S3_CA_FILE=$WORK/s3ca/ca.crt
RATE_LIMIT_WRITES=5000r/s
RATE_LIMIT_WRITES_BURST=5000
EOF
# Retention off the host: an archive older than CONFIG_ARCHIVE_RETENTION_DAYS (30) must go, a
# recent one and a file that is no archive must stay.
RECENT=podium-config/podium-config-$(date -u -d '-2 days' +%Y%m%dT%H%M%SZ).tar.age
moto "
for k in ('podium-config/podium-config-20200101T000000Z.tar.age', sys.argv[1], 'podium-config/README.txt'):
    s3.put_object(Bucket=BUCKET, Key=k, Body=b'x')" "$RECENT"
old_env=(env PODIUM_STACK_DIR="$OLD_STACK" PODIUM_STACK_ENV="$WORK/old/settings.env" PODIUM_STACK_PORT_BASE="$PORT_BASE" PODIUM_BIN="$PODIUM_BIN")
old() { in_netns "$OLD" "${old_env[@]}" "$@"; }
t=$(ms)
if old deploy/local/stack up >"$WORK/old-up.log" 2>&1; then
  ok "old host's stack up in $OLD ($(( ($(ms) - t) / 1000 )) s)"
else
  bad "old host's stack up"; tail -n 30 "$WORK/old-up.log"; finish
fi
psql_old() { in_netns "$OLD" runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$OLD_STACK/pg" -p "${PORT_BASE}32" -U postgres -d podium "$@"; }
api_old() { curl -sS -m 30 --cacert "$OLD_STACK/tls/ca/ca.crt" --resolve "$NAME:$HTTPS_PORT:$OLD_ADDR" \
  -H "Authorization: Bearer $(cat "$OLD_STACK/secrets/api_token")" "$@"; }
has_full2() { old runuser -u postgres -- pgbackrest --config="$OLD_STACK/backup/pgbackrest.conf" --config-include-path="$OLD_STACK/backup/conf.d" \
  --stanza=podium --repo=2 info --output=json | python3 -c 'import json,sys; sys.exit(0 if any(b["type"]=="full" for b in json.load(sys.stdin)[0]["backup"]) else 1)'; }
check "the scheduler took a full backup into repository 2 (the object store)" wait_for 90 has_full2
offsite_copy() { moto "sys.exit(0 if any(o['Key'].startswith('podium-config/podium-config-') for o in s3.list_objects_v2(Bucket=BUCKET, Prefix='podium-config/').get('Contents', [])) else 1)"; }
check "a configuration archive was copied off the host (s3://$BUCKET/podium-config/)" wait_for 60 offsite_copy
check "retention off the host: the 2020 copy expired, the 2-day-old one and a non-archive kept" moto "
keys = {o['Key'] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix='podium-config/').get('Contents', [])}
print(sorted(keys))
sys.exit(0 if 'podium-config/podium-config-20200101T000000Z.tar.age' not in keys and sys.argv[1] in keys and 'podium-config/README.txt' in keys else 1)" "$RECENT"
PROM=$OLD_STACK/monitoring/textfile/podium_config_archive.prom
offsite_metric() {
  local v; v=$(sed -n 's/^podium_config_archive_offsite_last_success_timestamp_seconds //p' "$PROM")
  if [ -n "$v" ] && [ $(( $(date +%s) - v )) -lt 60 ] && grep -qx 'podium_config_archive_offsite_configured 1' "$PROM" \
    && grep -qx 'podium_config_archive_last_attempt_success 1' "$PROM"; then return 0; fi
  cat "$PROM"; return 1
}
check "metrics: podium_config_archive_offsite_last_success_timestamp_seconds recent, configured 1, last attempt 1" offsite_metric
cp "$OLD_STACK/secrets/config_archive.key" "$WORK/offhost/age.key"
NEWEST=$(find "$OLD_STACK/backup/config-archive" -name 'podium-config-*.tar.age' | sort | tail -n 1)
check "settings.env (the env file the stack runs with) is inside the configuration archive" bash -c \
  "age -d -i '$WORK/offhost/age.key' '$NEWEST' | tar -xOf - settings.env | cmp - '$WORK/old/settings.env'"
s3_restore_same() {
  mkdir -p "$WORK/from-s3" "$WORK/from-local"
  old deploy/scripts/backup config-restore --s3 --to "$WORK/from-s3" --identity "$WORK/offhost/age.key" &&
    old deploy/scripts/backup config-restore --to "$WORK/from-local" --identity "$WORK/offhost/age.key" &&
    diff -r "$WORK/from-s3/secrets" "$WORK/from-local/secrets" && [ -s "$WORK/from-s3/settings.env" ]
}
check "config-restore --s3 fetches the newest copy from the object store and decrypts it" s3_restore_same

step "a damaged archive never half-unpacks over live configuration"
mkdir -p "$WORK/big/nginx/conf" "$WORK/live"
for i in 1 2 3 4 5 6; do head -c 60000 /dev/urandom | base64 >"$WORK/big/nginx/conf/part$i"; done
tar -C "$WORK/big" -cf - nginx | age -R "$OLD_STACK/secrets/config_archive.recipients" -o "$WORK/big.tar.age"
head -c $(( $(stat -c %s "$WORK/big.tar.age") * 2 / 3 )) "$WORK/big.tar.age" >"$WORK/cut.tar.age"
echo sentinel >"$WORK/live/keep"
if out=$(old deploy/scripts/backup config-restore "$WORK/cut.tar.age" --to "$WORK/live" --identity "$WORK/offhost/age.key" 2>&1); then
  bad "a truncated archive was restored"
elif [ "$(find "$WORK/live" -type f | wc -l)" = 1 ] && grep -q 'cannot decrypt\|not a whole tar' <<<"$out"; then
  ok "a truncated archive (3 age chunks, 2 kept) is refused and nothing is unpacked: $(grep -m1 '^error' <<<"$out" | cut -c1-90)"
else
  bad "truncated archive: $(find "$WORK/live" -type f | wc -l) files in the target; $out"
fi

step "the scheduler survives a failing configuration archive"
cp "$OLD_STACK/secrets/config_archive.recipients" "$WORK/recipients.good"
echo "not-a-recipient" >"$OLD_STACK/secrets/config_archive.recipients"
SCHED_PID=$(cat "$OLD_STACK/backup/run/scheduler.pid")
BACKUP_PROM=$OLD_STACK/monitoring/textfile/podium_backup.prom
archive_failed() { grep -qx 'podium_config_archive_last_attempt_success 0' "$PROM"; }
metrics_at() { sed -n 's/^podium_backup_metrics_timestamp_seconds{[^}]*} //p' "$BACKUP_PROM"; }
if wait_for 40 archive_failed; then
  t_fail=$(date +%s)
  later_tick() { [ "$(metrics_at)" -gt "$t_fail" ]; }
  if wait_for 20 later_tick && kill -0 "$SCHED_PID" && grep -q 'configuration archive failed' "$OLD_STACK/backup/logs/scheduler.log"; then
    ok "archive failure logged and counted (last_attempt_success 0); the same scheduler (pid $SCHED_PID) keeps its database backup ticks"
  else
    bad "the scheduler after a failing archive (alive: $(kill -0 "$SCHED_PID" 2>/dev/null && echo yes || echo no))"; tail -n 5 "$OLD_STACK/backup/logs/scheduler.log"
  fi
else
  bad "the failing archive was not reported"; cat "$PROM"
fi
cp "$WORK/recipients.good" "$OLD_STACK/secrets/config_archive.recipients"
check "archives are made and copied off the host again once fixed" wait_for 40 grep -qx 'podium_config_archive_last_attempt_success 1' "$PROM"

step "data on the old host, then writes until it dies"
made=1
api_old -f -o /dev/null -X POST -H 'Content-Type: application/json' -d '{"slug":"dr","name":"Disaster recovery"}' "https://$NAME:$HTTPS_PORT/api/v1/leaderboards" || made=0
for i in $(seq 1 20); do
  api_old -f -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"score\":$((i * 31 % 97))}" "https://$NAME:$HTTPS_PORT/api/v1/leaderboards/dr/scores/p$i" || made=0
done
api_old -fsS "https://$NAME:$HTTPS_PORT/api/v1/leaderboards/dr/entries?limit=100" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["entries"], sort_keys=True))' >"$WORK/entries-before.json" || made=0
psql_old -c "create schema if not exists podium_ops authorization postgres;
  create table podium_ops.test_write (n bigint generated always as identity primary key, at timestamptz not null default clock_timestamp());
  create procedure podium_ops.test_writer(total int, pause float8) language plpgsql as \$\$
  begin
    for i in 1..total loop
      insert into podium_ops.test_write default values;
      commit;
      perform pg_sleep(pause);
    end loop;
  end \$\$;" || made=0
if [ "$made" = 1 ]; then ok "leaderboard dr (20 scores through the API) and a writer table"; else bad "data on the old host"; fi
psql_old -c "call podium_ops.test_writer(1000000, 0.005)" >"$WORK/writer.log" 2>&1 &
PIDS+=($!)
# A release deployed blue-green under the writes: the release history (deploy.log, active) to restore.
if old deploy/scripts/deploy "$WORK/podium" >"$WORK/old-deploy.log" 2>&1 && [ -s "$OLD_STACK/deploy.log" ]; then
  ok "a release deployed on the old host (active colour now $(cat "$OLD_STACK/active"))"
else
  bad "deploy on the old host"; tail -n 10 "$WORK/old-deploy.log"
fi

step "the deployment kit"
KIT_VERSION=v0.0.0-dr
deploy/scripts/package --out "$WORK/dist" "$KIT_VERSION" "$WORK/podium" >"$WORK/package.log" 2>&1 || bad "packaging the kit"
KIT=$WORK/dist/podium-$KIT_VERSION-linux-$(uname -m).tar.gz
# What the operator unpacks first on the new host to run rebuild-host (the kit's own copy).
mkdir -p "$WORK/new/bootstrap"
tar -C "$WORK/new/bootstrap" -xzf "$KIT"
REBUILD=$WORK/new/bootstrap/podium-$KIT_VERSION/deploy/scripts/rebuild-host
new() { in_netns "$NEW" "$REBUILD" --identity "$WORK/offhost/age.key" --s3-env "$WORK/offhost/s3.env" \
  --dir "$NEW_DIR" --stack-dir "$NEW_STACK" --set "HTTPS_LISTEN=$NEW_ADDR:$HTTPS_PORT" "$@"; }
if [ -x "$REBUILD" ]; then ok "kit $(basename "$KIT") with its SHA256SUMS line; rebuild-host taken from it"; else bad "kit has no rebuild-host"; fi

step "rebuild-host refuses, changing nothing"
nothing_changed() { [ ! -e "$NEW_DIR/releases" ] && [ ! -e "$NEW_DIR/host.env" ] && { [ ! -e "$NEW_STACK" ] || [ "$(find "$NEW_STACK" -mindepth 1 | wc -l)" = "${1:-0}" ]; }; }
refused() { # WHAT-IT-SAYS [FILES_EXPECTED_IN_STACK] -- ARGS...
  local says=$1 files=$2 out; shift 3
  if out=$(new "$@" 2>&1); then echo "it did not refuse"; return 1; fi
  grep -qF "$says" <<<"$out" || { tail -n 5 <<<"$out"; return 1; }
  nothing_changed "$files" || { echo "something changed: $(find "$NEW_DIR" "$NEW_STACK" 2>/dev/null | head)"; return 1; }
  echo "$out" | grep '^error' | tail -n 1
}
mkdir -p "$WORK/badkit"
cp "$KIT" "$WORK/dist/SHA256SUMS" "$WORK/badkit/"
printf 'X' | dd of="$WORK/badkit/$(basename "$KIT")" bs=1 seek=3000 conv=notrunc status=none
check "a kit whose checksum does not match SHA256SUMS" refused "kit checksum mismatch" 0 -- --kit "$WORK/badkit/$(basename "$KIT")"
age-keygen -o "$WORK/offhost/wrong.key" 2>/dev/null
wrong_identity() {
  local out
  if out=$(in_netns "$NEW" "$REBUILD" --identity "$WORK/offhost/wrong.key" --s3-env "$WORK/offhost/s3.env" \
    --dir "$NEW_DIR" --stack-dir "$NEW_STACK" --kit "$WORK/podium" 2>&1); then echo "it did not refuse"; return 1; fi
  grep -qF "is not the identity the archives are encrypted to" <<<"$out" || { tail -n 5 <<<"$out"; return 1; }
  nothing_changed 0 || { echo "something changed"; return 1; }
}
check "a wrong age identity (with --kit BINARY: the kit is packaged first)" wrong_identity
mkdir -p "$NEW_STACK"; echo "someone's" >"$NEW_STACK/file"
check "a non-empty stack folder without --force" refused "is not empty" 1 -- --kit "$KIT"

step "host lost"
in_netns "$OLD" runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$OLD_STACK/pg/data" -m immediate -w stop >/dev/null 2>&1 || true
if netns_kill "$OLD" 5; then ok "every process of the old host is gone (PostgreSQL killed mid-write)"; else bad "processes left on the old host"; fi
# The truth, from the dead host's disk (test only, on its own port, archiving off): its last commit.
mkdir -p "$WORK/crashsock"; touch "$WORK/crash.log"; chown postgres: "$WORK/crashsock" "$WORK/crash.log"
in_netns "$OLD" runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$OLD_STACK/pg/data" -l "$WORK/crash.log" -w -t 120 \
  -o "-c config_file=$OLD_STACK/pg/conf/postgresql.conf -c archive_mode=off -c port=$((PORT_BASE * 100 + 34)) -c listen_addresses='' -c unix_socket_directories='$WORK/crashsock'" start >/dev/null
crash_q() { in_netns "$OLD" runuser -u postgres -- psql -X -At -h "$WORK/crashsock" -p $((PORT_BASE * 100 + 34)) -d podium -c "$1"; }
LIVE=$(crash_q "select max(n) || '|' || extract(epoch from max(pg_xact_commit_timestamp(xmin))) from podium_ops.test_write")
crash_q "select n from podium_ops.test_write order by n" >"$WORK/crashed-rows.txt"
in_netns "$OLD" runuser -u postgres -- /usr/lib/postgresql/15/bin/pg_ctl -D "$OLD_STACK/pg/data" -m fast -w stop >/dev/null
echo "       the old host's last commit: row ${LIVE%%|*}"

step "rebuild on the new host ($NEW_ADDR) from the kit, the object store and the identity"
# The decision to rebuild is taken now: the clock runs until the smoke test passes on the new host.
T_DECISION=$(ms)
# --force: the folder left by the refusal above is moved aside, not deleted.
if new --kit "$KIT" --force >"$WORK/rebuild.log" 2>&1; then
  RTO_MS=$(( $(ms) - T_DECISION ))
  ok "deploy/scripts/rebuild-host ($(( RTO_MS / 1000 )) s)"
  sed -n '/^rebuild-host (/,/total/p' "$WORK/rebuild.log" | sed 's/^/       /'
else
  RTO_MS=""
  bad "deploy/scripts/rebuild-host"; tail -n 40 "$WORK/rebuild.log"
fi
psql_new() { in_netns "$NEW" runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 -h "$NEW_STACK/pg" -p "${PORT_BASE}32" -U postgres -d podium "$@"; }
check "the smoke test passes from outside through the new host's address ($NEW_ADDR:$HTTPS_PORT)" \
  deploy/scripts/smoke --cacert "$NEW_STACK/tls/ca/ca.crt" --resolve "$NAME:$HTTPS_PORT:$NEW_ADDR" \
  --token-file "$NEW_STACK/secrets/api_token" "https://$NAME:$HTTPS_PORT"
check "the leaderboard's entries are those the old host served" bash -c \
  "[ \"\$(curl -fsS -m 20 --cacert '$NEW_STACK/tls/ca/ca.crt' --resolve '$NAME:$HTTPS_PORT:$NEW_ADDR' 'https://$NAME:$HTTPS_PORT/api/v1/leaderboards/dr/entries?limit=100' | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[\"entries\"], sort_keys=True))')\" = \"\$(cat '$WORK/entries-before.json')\" ]"
same_config() {
  local f
  for f in secrets/api_token secrets/backup_cipher_pass secrets/db_app_password tls/ca/ca.crt tls/local/fullchain.pem tls/local/privkey.pem deploy.log active stack.env; do
    cmp "$OLD_STACK/$f" "$NEW_STACK/$f" || { echo "$f differs"; return 1; }
  done
}
check "secrets, TLS (certificate and key), release history (deploy.log, active) as on the old host" same_config
no_secret_printed() {
  local f leaks=()
  for f in "$NEW_STACK"/secrets/{api_token,backup_cipher_pass,db_owner_password,db_app_password} "$WORK/offhost/age.key"; do
    [ -s "$f" ] || { echo "$f missing"; return 1; }
    grep -qF "$(grep -v '^#' "$f" | head -n 1)" "$WORK/rebuild.log" "$NEW_STACK/rebuild-restore.log" "$NEW_STACK/backup/log/"* && leaks+=("${f##*/}")
  done
  [ ${#leaks[@]} = 0 ] || { echo "printed: ${leaks[*]}"; return 1; }
}
check "no secret (API token, repository passphrase, database passwords, age identity) in rebuild-host's or pgBackRest's logs" no_secret_printed
check "--force moved the non-empty stack folder aside (its file kept)" bash -c \
  "grep -qx \"someone's\" '$NEW_STACK'.before-rebuild-*/file && [ ! -e '$NEW_STACK/file' ]"
check "the stack folder is 0750 root:postgres, secrets 0700" bash -c \
  "[ \"\$(stat -c '%a %U:%G' '$NEW_STACK')\" = '750 root:postgres' ] && [ \"\$(stat -c %a '$NEW_STACK/secrets')\" = 700 ] && [ \"\$(stat -c %a '$NEW_STACK/settings.env')\" = 600 ]"
check "the new host's Nginx listens on its own address (HTTPS_LISTEN from --set), not the old one" bash -c \
  "grep -qx 'HTTPS_LISTEN=$NEW_ADDR:$HTTPS_PORT' '$NEW_STACK/settings.env' && ip netns exec '$NEW' ss -Hltn | grep -q '$NEW_ADDR:$HTTPS_PORT'"
GOT=$(psql_new -c "select max(n) || '|' || extract(epoch from max(pg_xact_commit_timestamp(xmin))) from podium_ops.test_write" 2>&1 || true)
psql_new -c "select n from podium_ops.test_write order by n" >"$WORK/new-rows.txt" 2>&1 || true
prefix=no
if [ -s "$WORK/new-rows.txt" ] && head -n "$(wc -l <"$WORK/new-rows.txt")" "$WORK/crashed-rows.txt" | cmp -s - "$WORK/new-rows.txt"; then prefix=yes; fi
RPO=$(python3 -c 'import sys; a=sys.argv[1].split("|"); b=sys.argv[2].split("|"); print(f"{float(a[1]) - float(b[1]):.1f}")' "$LIVE" "$GOT" 2>/dev/null || echo "?")
echo "       old host's last commit: row ${LIVE%%|*}; new host has up to row ${GOT%%|*}: commits lost ${RPO} s (bound: archive_timeout ${ARCHIVE_TIMEOUT} s + ${RPO_SLACK} s)"
if [[ $RPO =~ ^-?[0-9.]+$ ]] && [ "$prefix" = yes ] && python3 -c "import sys; sys.exit(0 if 0 <= $RPO <= $ARCHIVE_TIMEOUT + $RPO_SLACK else 1)"; then
  ok "RPO ${RPO} s: every write up to the last archived one is there, with no gap"
else
  bad "RPO: lost ${RPO} s (old $LIVE, new $GOT, a prefix of the old rows: $prefix)"
fi
if [ -n "$RTO_MS" ]; then
  RTO=$(awk -v m="$RTO_MS" 'BEGIN{printf "%.1f", m/1000}')
  echo "       RTO (decision -> smoke test passed on the new host): ${RTO} s"
  if [ "$RTO_MS" -le 900000 ]; then ok "RTO ${RTO} s, under the 15-minute objective"; else bad "RTO ${RTO} s over 15 minutes"; fi
fi
check "the new host archives WAL again into both repositories (pgbackrest check)" \
  in_netns "$NEW" env PODIUM_STACK_DIR="$NEW_STACK" PODIUM_STACK_ENV="$NEW_STACK/settings.env" "$NEW_DIR/current/deploy/scripts/backup" check
echo "dr-figures: rto_s=${RTO:-?} rpo_s=$RPO" | tee "$WORK/figures.txt"
[ -z "${DR_TEST_FIGURES:-}" ] || cp "$WORK/figures.txt" "$DR_TEST_FIGURES"

step "clean-up"
if in_netns "$NEW" env PODIUM_STACK_DIR="$NEW_STACK" PODIUM_STACK_ENV="$NEW_STACK/settings.env" "$NEW_DIR/current/deploy/local/stack" down >"$WORK/new-down.log" 2>&1; then
  ok "new host's stack down"
else
  bad "new host's stack down"; tail -n 5 "$WORK/new-down.log"
fi
finish
