#!/usr/bin/env bash
# Starts a Docker engine for the tests when none answers, and stops only one this script started.
#   scripts/containers/engine.sh start STATE_DIR   prints "started" or "already running"
#   scripts/containers/engine.sh stop STATE_DIR    stops the engine started with this STATE_DIR
# The engine keeps /var/lib/docker (the image and layer cache) between runs; its pid file, log
# and a marker saying "we started it" live in STATE_DIR. Nothing is stopped by name.
set -euo pipefail

usage() {
  cat <<'USAGE'
usage: scripts/containers/engine.sh start|stop|status STATE_DIR
  start   start dockerd (under nice) unless an engine already answers on DOCKER_HOST or
          /var/run/docker.sock; records that it did so in STATE_DIR
  stop    stop the dockerd this script started with the same STATE_DIR (by its pid), if any
  status  exit 0 when an engine answers
USAGE
}
case "${1:-}" in -h|--help) usage; exit 0 ;; start|stop|status) ;; *) usage >&2; exit 2 ;; esac
cmd=$1
state=${2:-}
[ "$cmd" = status ] || [ -n "$state" ] || { usage >&2; exit 2; }

answers() { timeout 10 docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

case "$cmd" in
status)
  answers
  ;;
start)
  mkdir -p "$state"
  if answers; then
    echo "already running"
    exit 0
  fi
  command -v dockerd >/dev/null || { echo "dockerd not found: run scripts/install-deps.sh" >&2; exit 1; }
  [ "$(id -u)" = 0 ] || { echo "starting dockerd needs root" >&2; exit 1; }
  # A stale socket from an engine that died would make dockerd refuse to start.
  if [ -S /var/run/docker.sock ] && ! answers; then rm -f /var/run/docker.sock; fi
  nice -n 10 dockerd --host unix:///var/run/docker.sock --pidfile "$state/dockerd.pid" \
    >"$state/dockerd.log" 2>&1 &
  echo $! >"$state/started-by-us"
  for _ in $(seq 1 60); do
    if answers; then echo "started"; exit 0; fi
    if ! kill -0 "$(cat "$state/started-by-us")" 2>/dev/null; then break; fi
    sleep 1
  done
  echo "dockerd did not answer within 60 s; its log:" >&2
  tail -n 20 "$state/dockerd.log" >&2
  exit 1
  ;;
stop)
  [ -f "$state/started-by-us" ] || exit 0
  pid=$(cat "$state/started-by-us")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 30); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "dockerd ($pid) did not stop in 30 s; killing it" >&2
      kill -KILL "$pid" || true
    fi
  fi
  rm -f "$state/started-by-us"
  echo "stopped dockerd ($pid)"
  ;;
esac
