# shellcheck shell=bash
# Backups of the native stack (sourced after deploy/lib/common.sh): pgBackRest as the postgres
# user with continuous WAL archiving into one or two repositories, the stack's own backup
# scheduler, and the backup metrics for the node exporter's textfile collector. State:
#
#   $STACK_DIR/backup/
#     pgbackrest.conf      rendered from deploy/pgbackrest/pgbackrest.conf.tmpl (no secret)
#     conf.d/              secrets.conf (0600: repository passphrase, object-store keys),
#                          repo2.conf (when BACKUP_S3_BUCKET is set)
#     repo1/               the local repository (encrypted, zstd)
#     log/ lock/ spool/    pgBackRest's own
#     state/               last attempt of each backup type (for the metrics)
#     run/scheduler.pid    the scheduler loop (deploy/scripts/backup schedule); logs/scheduler.log
#     config-archive/      age-encrypted archives of the configuration (deploy/scripts/backup config-archive)
#   $STACK_DIR/secrets/backup_cipher_pass           repository passphrase (keep a copy OFF this host)
#   $STACK_DIR/secrets/backup_s3_key, backup_s3_key_secret   object-store keys (repository 2)
#   $STACK_DIR/secrets/config_archive.key           age identity (keep a copy OFF this host)

backup_dir() { echo "$V_BACKUP_DIR"; }

# pgBackRest as the postgres user with this stack's configuration.
pgbr() {
  as_pg pgbackrest --config="$V_BACKUP_CONFIG" --config-include-path="$V_BACKUP_CONFIG_INCLUDE" \
    --stanza="$V_BACKUP_STANZA" "$@"
}

# The repositories configured: "1", or "1 2" with the object store.
backup_repos() { if [ -n "${V_BACKUP_S3_BUCKET:-}" ]; then echo "1 2"; else echo 1; fi; }

backup_need() {
  command -v pgbackrest >/dev/null || die "missing package: apt-get install -y pgbackrest"
}

# Secrets (created once, never printed) and the rendered configuration.
backup_config() {
  local d s inc
  d=$(backup_dir); s=$STACK_DIR/secrets; inc=$V_BACKUP_CONFIG_INCLUDE
  mkdir -p "$d"/{log,lock,spool,state,run,logs} "$inc" "$V_BACKUP_REPO1_PATH"
  [ -s "$s/backup_cipher_pass" ] || (umask 077; openssl rand -base64 48 | tr -d '\n' >"$s/backup_cipher_pass")
  if [ -n "${V_BACKUP_S3_BUCKET:-}" ] && { [ ! -s "$s/backup_s3_key" ] || [ ! -s "$s/backup_s3_key_secret" ]; }; then
    die "BACKUP_S3_BUCKET is set but $s/backup_s3_key or backup_s3_key_secret is missing"
  fi
  render_native "$DEPLOY_DIR/pgbackrest/pgbackrest.conf.tmpl" "$V_BACKUP_CONFIG"
  local tmp=$inc/.secrets.conf.tmp
  (umask 077
   { echo '# Written by deploy/lib/backup.sh from STACK_DIR/secrets; do not edit.'
     echo '[global]'
     printf 'repo1-cipher-pass=%s\n' "$(cat "$s/backup_cipher_pass")"
     if [ -n "${V_BACKUP_S3_BUCKET:-}" ]; then
       printf 'repo2-cipher-pass=%s\n' "$(cat "$s/backup_cipher_pass")"
       printf 'repo2-s3-key=%s\n' "$(cat "$s/backup_s3_key")"
       printf 'repo2-s3-key-secret=%s\n' "$(cat "$s/backup_s3_key_secret")"
     fi } >"$tmp")
  mv -f "$tmp" "$inc/secrets.conf"
  if [ -n "${V_BACKUP_S3_BUCKET:-}" ]; then
    render_native "$DEPLOY_DIR/pgbackrest/repo2-s3.conf.tmpl" "$inc/repo2.conf"
    [ -z "${V_BACKUP_S3_CA_FILE:-}" ] || printf 'repo2-storage-ca-file=%s\n' "$V_BACKUP_S3_CA_FILE" >>"$inc/repo2.conf"
  else
    rm -f "$inc/repo2.conf"
  fi
  chown -R postgres:postgres "$d" "$inc" "$V_BACKUP_CONFIG"
  chmod 700 "$inc"; chmod 600 "$inc/secrets.conf"; chmod 640 "$V_BACKUP_CONFIG"
  # The scheduler and metrics run as root; the textfile folder is root's.
  chown root: "$d/state" "$d/run" "$d/logs"
}

# archive_mode and track_commit_timestamp need a restart: a cluster started before backups were
# configured is restarted once (fast shutdown) so archiving really runs.
backup_pg_settings() {
  local mode tct
  mode=$(psql_admin -d postgres -At -c 'show archive_mode')
  tct=$(psql_admin -d postgres -At -c 'show track_commit_timestamp')
  if [ "$mode" != on ] || [ "$tct" != on ]; then
    say "restarting PostgreSQL to turn on WAL archiving"
    as_pg "$PG_BIN/pg_ctl" -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/postgres.log" -m fast -w -t 120 \
      -o "-c config_file=$STACK_DIR/pg/conf/postgresql.conf" restart >/dev/null \
      || { tail -n 20 "$STACK_DIR/pg/postgres.log" >&2; die "PostgreSQL did not restart"; }
  fi
}

# Create the stanza in every repository (idempotent) and check that archiving works end to end.
backup_up() {
  backup_need
  backup_config
  backup_pg_settings
  # PostgreSQL 15's checkpointer, started while the startup process runs, first sleeps a whole
  # checkpoint_timeout (15 min) without looking at archive_timeout (measured here: no forced WAL
  # switch for minutes after a start). A reload wakes it; from then on archive_timeout holds, and
  # with it the recovery point. Every start of the stack's cluster comes through here.
  psql_admin -d postgres -At -c 'select pg_reload_conf()' >/dev/null
  local out
  # A running scheduler created the stanza when it started and may hold the backup lock now
  # (stanza-create would fail on it); `up` again only checks.
  if ! pid_alive "$(backup_scheduler_pidfile)"; then
    out=$(pgbr stanza-create 2>&1) || { echo "$out" >&2; die "pgbackrest stanza-create failed (log: $(backup_dir)/log)"; }
  fi
  out=$(pgbr check 2>&1) || { echo "$out" >&2; die "pgbackrest check failed: WAL archiving does not reach the repository"; }
  "$DEPLOY_DIR/scripts/backup" metrics >/dev/null || say "warning: backup metrics not written"
  backup_scheduler_up
}

backup_scheduler_pidfile() { echo "$(backup_dir)/run/scheduler.pid"; }

# The stack's own scheduler (no systemd here): deploy/scripts/backup schedule, in the background.
backup_scheduler_up() {
  local pidf; pidf=$(backup_scheduler_pidfile)
  pid_alive "$pidf" && return 0
  ( exec 9>&-
    exec setsid "$DEPLOY_DIR/scripts/backup" schedule >>"$(backup_dir)/logs/scheduler.log" 2>&1 </dev/null ) &
  echo $! >"$pidf"
}

backup_down() {
  local pidf pid; pidf=$(backup_scheduler_pidfile)
  [ -n "${V_BACKUP_DIR:-}" ] || return 0
  if pid_alive "$pidf"; then
    pid=$(cat "$pidf")
    # The loop's process group: a backup in progress is stopped with it (pgBackRest removes
    # its lock; the next run starts over).
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    wait_exit "$pid" 30 || { echo "backup scheduler (pid $pid) did not stop" >&2; return 1; }
  fi
  rm -f "$pidf"
}

backup_status() {
  local pidf state; pidf=$(backup_scheduler_pidfile)
  if pid_alive "$pidf"; then state="running (pid $(cat "$pidf"))"; else state=stopped; fi
  printf '%-13s %s  repos %s  (%s; log %s)\n' "backups:" "$state" "$(backup_repos | tr ' ' ',')" \
    "$V_BACKUP_CONFIG" "$(backup_dir)/logs/scheduler.log"
}

# ---------------------------------------------------------------- restores (restore, restore-drill)
# Start the restored cluster in DATA (its own port and socket folder when given) and wait, at
# most TIMEOUT seconds, until recovery has finished and it was promoted. Fails with PostgreSQL's
# own words when recovery stops short (a missing WAL segment, a target past the archive).
# usage: recovered_start DATA LOG TIMEOUT [postgres -c options as one string]
recovered_start() {
  local data=$1 log=$2 timeout=$3 opts=${4:-} started=$SECONDS state
  : >"$log"; chown postgres: "$log"
  as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$log" -W ${opts:+-o "$opts"} start >/dev/null \
    || { recovery_failure "$log"; return 1; }
  while :; do
    state=$(recovered_query "$data" 'select pg_is_in_recovery()' 2>/dev/null) || state=""
    [ "$state" = f ] && return 0
    # Gone (after a grace second for the postmaster to write its pid file): recovery failed.
    if [ $((SECONDS - started)) -ge 2 ] && ! as_pg "$PG_BIN/pg_ctl" -D "$data" status >/dev/null 2>&1; then
      recovery_failure "$log"; return 1
    fi
    if [ $((SECONDS - started)) -ge "$timeout" ]; then
      echo "recovery did not finish within ${timeout}s; last log lines:" >&2
      tail -n 5 "$log" >&2
      return 1
    fi
    sleep 0.2
  done
}

# psql as postgres into the cluster whose data folder is DATA (socket and port from postmaster.pid).
recovered_query() { # DATA SQL
  local port sock
  [ -f "$1/postmaster.pid" ] || return 1
  port=$(sed -n 4p "$1/postmaster.pid"); sock=$(sed -n 5p "$1/postmaster.pid")
  as_pg psql -X -q -At -v ON_ERROR_STOP=1 -h "$sock" -p "$port" -U postgres -d "${3:-postgres}" -c "$2"
}

# What PostgreSQL said when recovery failed (FATAL/PANIC lines and the lines around them).
recovery_failure() { # LOG
  echo "PostgreSQL did not complete recovery; its log says:" >&2
  grep -E 'FATAL|PANIC|ERROR|could not|recovery ended|requested recovery stop point' "$1" | tail -n 8 | sed 's/^/    /' >&2 \
    || tail -n 8 "$1" | sed 's/^/    /' >&2
}

# The lines of a recovery log that tell where recovery stopped.
recovery_outcome() { # LOG
  grep -E 'recovery stopping|last completed transaction|archive recovery complete|redo done|consistent recovery state' "$1" \
    | sed 's/^[^]]*] //' || true
}
