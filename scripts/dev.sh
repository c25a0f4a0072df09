#!/usr/bin/env bash
# The development loop (`make dev`): Podium with its embedded PostgreSQL under data/dev and the
# demo data, rebuilt and restarted by watchexec when a Rust file changes, and Vite's dev server
# with hot module replacement in front of it, proxying the API to it. Ctrl-C (or SIGTERM)
# stops everything it started.
set -euo pipefail

# watchexec is pinned so every machine runs the loop the same way: 2.8.0 builds from crates.io
# with the workspace's toolchain under --locked, and has every flag used below (--wrap-process,
# --stop-signal, --stop-timeout). A newer release may need a newer Rust or change
# flags; bump the pin after trying it with scripts/test-dev.sh.
WATCHEXEC_VERSION=2.8.0

usage() {
  cat <<'USAGE'
usage: scripts/dev.sh [--install-tools]   (what `make dev` runs)
  Starts, all on loopback unless PODIUM_DEV_HOST says otherwise:
    Vite's dev server (hot module replacement)  http://127.0.0.1:5173   <- open this one
    Podium, restarted when a Rust file changes  http://127.0.0.1:8080   (Vite proxies to it)
    Podium's Prometheus metrics                 http://127.0.0.1:9464/metrics
    PostgreSQL, embedded by Podium, with the demo leaderboards and league, in data/dev
  Ctrl-C stops everything it started.
  --install-tools  only make sure watchexec is there (building it the first time) and exit.
Env:
  PODIUM_DEV_HOST          127.0.0.1  address the servers listen on (0.0.0.0 in a container)
  PODIUM_DEV_WEB_PORT      5173       Vite
  PODIUM_DEV_API_PORT      8080       Podium
  PODIUM_DEV_METRICS_PORT  9464       Podium's /metrics
  PODIUM_DEV_DATA_DIR      data/dev   the development database (git-ignored)
  PODIUM_LOG_LEVEL         info       Podium's log filter
  PODIUM_TOOLS_DIR         ~/.cache/podium/tools  where watchexec is installed when missing
  DATABASE_URL is ignored: the loop always uses its own database, seeded with demo data.
USAGE
}

install_only=0
case "${1:-}" in
  -h|--help) usage; exit 0 ;;
  --install-tools) install_only=1 ;;
  "") ;;
  *) usage >&2; exit 2 ;;
esac

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

die() {
  echo "dev: $*" >&2
  exit 1
}

# watchexec_bin: prints the path of watchexec $WATCHEXEC_VERSION, installing it if needed.
watchexec_bin() {
  local tools=${PODIUM_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/podium/tools}
  local bin=$tools/bin/watchexec candidate version
  for candidate in "$bin" "$(command -v watchexec || true)"; do
    if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then continue; fi
    # Its first line reads e.g. "watchexec 2.8.0 (2026-01-01) +pid1".
    version=$("$candidate" --version 2>/dev/null) || continue
    version=${version%%$'\n'*}
    if [ "${version%% (*}" = "watchexec $WATCHEXEC_VERSION" ] || [ "$version" = "watchexec $WATCHEXEC_VERSION" ]; then
      echo "$candidate"
      return 0
    fi
  done
  command -v cargo >/dev/null || die "cargo is needed to install watchexec (https://rustup.rs)"
  {
    echo "dev: watchexec $WATCHEXEC_VERSION is missing: building it from crates.io into $tools"
    echo "dev: (once; about 7 minutes on 2 idle cores)"
  } >&2
  # Its own temporary target folder: the build must not land in (or lock) the project's.
  env -u CARGO_TARGET_DIR nice -n 10 cargo install --locked --quiet --version "$WATCHEXEC_VERSION" \
    --root "$tools" watchexec-cli >&2 \
    || die "could not install watchexec-cli $WATCHEXEC_VERSION (see above); install it yourself and put it in PATH"
  echo "$bin"
}

watchexec=$(watchexec_bin)
if [ "$install_only" = 1 ]; then
  echo "$watchexec"
  exit 0
fi

host=${PODIUM_DEV_HOST:-127.0.0.1}
web_port=${PODIUM_DEV_WEB_PORT:-5173}
api_port=${PODIUM_DEV_API_PORT:-8080}
metrics_port=${PODIUM_DEV_METRICS_PORT:-9464}
data=${PODIUM_DEV_DATA_DIR:-data/dev}
# The address the proxy and the checks use: a wildcard listener answers on loopback.
case "$host" in 0.0.0.0 | "::" | "[::]") local_host=127.0.0.1 ;; *) local_host=$host ;; esac

for name in web_port api_port metrics_port; do
  port=${!name}
  if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65535 ]; then
    die "PODIUM_DEV_${name^^} must be a port number, not '$port'"
  fi
  if (exec 3<>"/dev/tcp/$local_host/$port") 2>/dev/null; then
    die "port $port on $local_host is taken (by another \`make dev\` or \`make run\`?): stop that, or choose another with PODIUM_DEV_${name^^}"
  fi
done
command -v npm >/dev/null || die "npm is needed for the web UI's dev server (apt-get install nodejs npm)"
command -v cargo >/dev/null || die "cargo is needed (https://rustup.rs)"

if [ ! -f web/node_modules/.package-lock.json ] || [ web/package-lock.json -nt web/node_modules/.package-lock.json ]; then
  echo "dev: installing the web UI's packages (npm ci)"
  npm --prefix web ci --no-audit --no-fund --loglevel=error
fi
mkdir -p "$data"
data=$(cd "$data" && pwd)

pids=()
# descendants PID...: every live process below these, deepest last.
# shellcheck disable=SC2317 # called by the traps
descendants() {
  ps -e -o pid=,ppid= | awk -v roots="$*" '
    { parent[$1] = $2 }
    END {
      n = split(roots, queue, " ")
      for (i = 1; i <= n; i++) want[queue[i]] = 1
      for (changed = 1; changed; ) {
        changed = 0
        for (p in parent) if (!(p in want) && (parent[p] in want)) { want[p] = 1; changed = 1; print p }
      }
    }'
}

# shellcheck disable=SC2317 # called by the traps
alive() {
  local pid
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then return 0; fi
  done
  return 1
}

# stop: Vite and watchexec get SIGTERM (watchexec passes it to Podium, which drains and stops
# its PostgreSQL); whatever of theirs is still there 15 s later gets SIGTERM itself (a
# PostgreSQL left by a Podium that was killed shuts down on it), and SIGKILL 5 s after that.
# Runs once.
stopped=0
# shellcheck disable=SC2317 # called by the traps
stop() {
  [ "$stopped" = 1 ] && return 0
  stopped=1
  trap '' INT TERM HUP
  [ "${#pids[@]}" -gt 0 ] || return 0
  echo "dev: stopping"
  local tree deadline pid
  mapfile -t tree < <(descendants "${pids[@]}")
  for pid in "${pids[@]}"; do kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true; done
  deadline=$((SECONDS + 15))
  while alive "${pids[@]}" "${tree[@]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
  if alive "${pids[@]}" "${tree[@]}"; then
    echo "dev: some processes did not stop within 15 s: stopping them one by one" >&2
    for pid in "${pids[@]}" "${tree[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
    deadline=$((SECONDS + 5))
    while alive "${pids[@]}" "${tree[@]}" && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    for pid in "${pids[@]}" "${tree[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
  fi
  wait 2>/dev/null || true
}
trap 'stop; exit 130' INT
trap 'stop; exit 143' TERM
trap 'stop; exit 129' HUP
trap stop EXIT

echo "dev: web UI, hot reload   http://$local_host:$web_port   <- open this one"
echo "dev: Podium API           http://$local_host:$api_port   (rebuilt and restarted when a Rust file changes)"
echo "dev: metrics              http://$local_host:$metrics_port/metrics"
echo "dev: PostgreSQL           embedded, in $data (demo data; delete the folder to start afresh)"
echo "dev: watchexec            $watchexec"
echo "dev: Ctrl-C stops everything. Vite answers at once, the API once Podium is built (the"
echo "dev: first build takes minutes; after a change, the time of an incremental build)."

# Each child leads a session of its own: Ctrl-C reaches only this script, which stops them in
# order (a SIGINT straight to Podium in the middle of a build would leave nothing to wait for).
# What changes the server: Rust sources, manifests, migrations and the offline query data.
env -u DATABASE_URL -u DATABASE_URL_FILE \
  PODIUM_HTTP_ADDR="$host:$api_port" PODIUM_METRICS_ADDR="$host:$metrics_port" \
  PODIUM_DATA_DIR="$data" PODIUM_COOKIE_SECURE=false PODIUM_LOG_FORMAT=text \
  PODIUM_LOG_LEVEL="${PODIUM_LOG_LEVEL:-info}" PODIUM_SHUTDOWN_TIMEOUT_SECS=5 SQLX_OFFLINE=true \
  setsid "$watchexec" --restart --wrap-process=group --stop-signal SIGTERM --stop-timeout 10s \
  --watch crates --watch Cargo.toml --watch Cargo.lock --exts rs,toml,sql,json -- \
  cargo run --locked -q -p podium-server --bin podium -- serve --demo </dev/null &
pids+=("$!")

# Vite's dependencies pre-bundled before it serves: when it discovers them while serving (the
# first run on a checkout), it re-optimises and reloads part way, and an edit made meanwhile
# was seen to stay unserved (scripts/test-dev.sh's revert check). `vite optimize` is
# deprecated but still shipped; if it goes, Vite discovers them itself as before.
if [ ! -f web/node_modules/.vite/deps/_metadata.json ]; then
  echo "dev: pre-bundling the web UI's dependencies (once per checkout)"
  (cd web && node node_modules/vite/bin/vite.js optimize --logLevel warn </dev/null) ||
    echo "dev: vite optimize failed; Vite will bundle the dependencies as it finds them" >&2
fi
(cd web && PODIUM_URL="http://$local_host:$api_port" exec setsid node node_modules/vite/bin/vite.js \
  --host "$host" --port "$web_port" --strictPort --clearScreen false </dev/null) &
pids+=("$!")

# Either one ending on its own ends the loop: say so, and stop the other.
set +e
wait -n "${pids[@]}"
status=$?
set -e
echo "dev: a server stopped on its own (exit status $status): stopping the rest" >&2
exit 1
