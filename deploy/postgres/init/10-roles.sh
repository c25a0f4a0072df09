#!/usr/bin/env bash
# First start of the Compose PostgreSQL: the least-privilege roles (same model as the native
# stack's deploy/lib/common.sh pg_roles). Passwords come from Docker secrets.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U postgres -d postgres \
  -v owner="$(cat /run/secrets/db_owner_password)" -v app="$(cat /run/secrets/db_app_password)" \
  -v exporter="$(cat /run/secrets/postgres_exporter_password)" <<'SQL'
SELECT format('CREATE ROLE podium_owner LOGIN PASSWORD %L', :'owner') \gexec
SELECT format('CREATE ROLE podium_app LOGIN PASSWORD %L CONNECTION LIMIT 60', :'app') \gexec
SELECT format('CREATE ROLE postgres_exporter LOGIN PASSWORD %L IN ROLE pg_monitor', :'exporter') \gexec
CREATE DATABASE podium OWNER podium_owner;
SQL
psql -v ON_ERROR_STOP=1 -U postgres -d podium <<'SQL'
REVOKE ALL ON DATABASE podium FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE podium TO podium_app;
GRANT CONNECT ON DATABASE podium TO postgres_exporter;
ALTER SCHEMA public OWNER TO podium_owner;
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO podium_app;
ALTER DEFAULT PRIVILEGES FOR ROLE podium_owner IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO podium_app;
ALTER DEFAULT PRIVILEGES FOR ROLE podium_owner IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO podium_app;
ALTER DEFAULT PRIVILEGES FOR ROLE podium_owner IN SCHEMA public GRANT EXECUTE ON FUNCTIONS TO podium_app;
SQL
