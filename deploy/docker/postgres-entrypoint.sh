#!/usr/bin/env bash
# Entry point of the PostgreSQL image built by services.Dockerfile (target postgres), with the
# official postgres image's contract for what deploy/compose.prod.yaml uses: on the first start
# (an empty PGDATA) initdb with POSTGRES_INITDB_ARGS and the superuser password from
# POSTGRES_PASSWORD_FILE, then every /docker-entrypoint-initdb.d/*.sh and *.sql against a server
# listening on its socket only; then exec the command (postgres …). Runs as the postgres user.
set -euo pipefail

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
  pwfile=${POSTGRES_PASSWORD_FILE:?set POSTGRES_PASSWORD_FILE (the superuser password secret)}
  echo "docker-entrypoint: initialising $PGDATA"
  # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of options
  initdb -D "$PGDATA" -U postgres --pwfile="$pwfile" --auth-local=peer --auth-host=scram-sha-256 \
    ${POSTGRES_INITDB_ARGS:-}
  pg_ctl -D "$PGDATA" -w -t 60 -o "-c listen_addresses='' -c unix_socket_directories=/var/run/postgresql" start
  for f in /docker-entrypoint-initdb.d/*; do
    case "$f" in
      *.sh) echo "docker-entrypoint: running $f"; bash "$f" ;;
      *.sql) echo "docker-entrypoint: running $f"; psql -X -v ON_ERROR_STOP=1 -U postgres -d postgres -f "$f" ;;
      *) ;;
    esac
  done
  pg_ctl -D "$PGDATA" -m fast -w -t 60 stop
  echo "docker-entrypoint: initialised"
fi
exec "$@"
