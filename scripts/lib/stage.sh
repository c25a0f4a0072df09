# shellcheck shell=bash
# The harness of a `make test` stage script (scripts/test-*.sh): counts checks and prints them as
# "  ok   …" / "  FAIL …"; the stage ends with `stage_result NAME`, whose last line
# "NAME: N passed, M failed" is what scripts/test.sh reads.
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "  ok   $*"; }
bad() { failed=$((failed + 1)); echo "  FAIL $*"; }
# check DESCRIPTION COMMAND...: runs COMMAND quietly, shows its output only when it fails.
check() {
  local what=$1 out
  shift
  if out=$("$@" 2>&1); then ok "$what"; else bad "$what"; printf '%s\n' "$out" | sed 's/^/       /' | tail -n 30; fi
}
step() { printf '\n==> %s (%s)\n' "$*" "$(date +%T)"; }
# Run CMD every 0.2 s until it succeeds, at most SECONDS.
wait_for() { # SECONDS CMD...
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# stage_result NAME: the stage's last line, and its exit status.
stage_result() {
  echo "$1: $passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
