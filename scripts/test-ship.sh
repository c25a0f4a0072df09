#!/usr/bin/env bash
# The deploy step of the workflows, tested for real (issue 13, section 4): a "staging host" in a
# network namespace of this test's own (veth pair, its own address) runs Debian's openssh-server
# (started here, listening on that address only) and the native stack. The test packages
# releases with deploy/scripts/package and ships them with deploy/scripts/ship, the two scripts
# .github/workflows/deploy.yml calls: the first ship starts the host's stack, two more deploy
# blue-green under load, then broken releases are refused or rolled back, still under load, and
# the load must see 0 failed requests. Ends with `ship: N passed, M failed`.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'USAGE'
usage: scripts/test-ship.sh
Environment: PODIUM_BIN (default target/debug/podium, built when missing),
  SHIP_TEST_NET (default 10.231.7: the veth pair gets .1 here and .2 in the host's namespace),
  KEEP_WORK=1 (keep the work folder).
USAGE
    exit 0 ;;
  "") ;;
  *) echo "usage: scripts/test-ship.sh" >&2; exit 2 ;;
esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
NET=${SHIP_TEST_NET:-10.231.7}
HERE_ADDR=$NET.1
HOST_ADDR=$NET.2
NS=podium-ship-$$
VETH=pship$$a
VETH_NS=pship$$b
WORK=$(mktemp -d /tmp/podium-ship-test.XXXXXX)
chmod 755 "$WORK"
# sshd's StrictModes refuses keys below a world-writable folder such as /tmp: the SSH files live
# in a root-only folder under /run.
SSHD=$(mktemp -d /run/podium-ship-ssh.XXXXXX)
chmod 700 "$SSHD"
REMOTE=$WORK/host/opt-podium         # the host's /opt/podium
HOST_STACK=$WORK/host/stack          # its stack folder
PORT_BASE=184
HTTPS_PORT=${PORT_BASE}43
NAME=podium.localhost
URL=https://$NAME:$HTTPS_PORT
PASSED=0
FAILED=0
BG_PIDS=()
created_run_sshd=0
ns_made=0

ok() { PASSED=$((PASSED + 1)); echo "ok   $*"; }
fail() { FAILED=$((FAILED + 1)); echo "FAIL $*"; }
section() { echo; echo "--- $* ($(date +%T))"; }
wait_for() { # SECONDS CMD...: retry every 0.2 s, at most SECONDS
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.2
  done
}
in_ns() { ip netns exec "$NS" "$@"; }
# The host's stack commands, run on the host (its namespace) with its settings, for set-up
# checks and the clean-up only; every deploy goes through deploy/scripts/ship.
host_stack() {
  # shellcheck disable=SC2016 # expanded by the inner shell
  in_ns bash -c 'set -a; . "$1/host.env"; set +a; exec "$1/current/deploy/local/stack" "$2"' _ "$REMOTE" "$1"
}

cleanup() {
  local pid
  for pid in "${BG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  if [ "$ns_made" = 1 ]; then
    [ -L "$REMOTE/current" ] && host_stack down >/dev/null 2>&1
    # Anything of ours still running in our namespace (started by this test), by pid.
    for pid in $(ip netns pids "$NS" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  fi
  for pid in "${BG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "$ns_made" = 1 ]; then
    ip link del "$VETH" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
  fi
  [ "$created_run_sshd" = 1 ] && rmdir /run/sshd 2>/dev/null
  rm -rf "$SSHD"
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ dependencies
pkgs=()
for p in openssh-server openssh-client iproute2 nginx postgresql-15 pgbackrest age curl openssl shellcheck; do
  dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
done
if [ ${#pkgs[@]} -gt 0 ]; then
  echo "installing: ${pkgs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${pkgs[@]}" >/dev/null
fi
PODIUM_BIN=${PODIUM_BIN:-$REPO/target/debug/podium}
if [ ! -x "$PODIUM_BIN" ]; then
  SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium
fi
started=$(date +%s)

section lint
if out=$(shellcheck -x deploy/scripts/ship deploy/scripts/ship-host deploy/scripts/package deploy/scripts/smoke \
  scripts/test-ship.sh 2>&1); then
  ok "shellcheck ship, ship-host, package, smoke, test-ship.sh"
else
  fail "shellcheck"; echo "$out" | head -30
fi

# ------------------------------------------------------------------ releases
section "releases (deploy/scripts/package)"
# Three builds of the same code, stamped with different commits: the commit string `podium
# version` and /version report is rewritten in copies of the binary (same length), so each
# release is told apart through the public URL.
orig=$("$PODIUM_BIN" version | tr -d '(),' | awk '{print $4}')
stamp() { # N -> a commit-like string as long as the original
  printf '%s' "$orig$1" | sha256sum | cut -c1-${#orig}
}
mkdir -p "$WORK/bin" "$WORK/dist"
for n in 1 2 3 4 5; do
  python3 - "$PODIUM_BIN" "$WORK/bin/podium-$n" "$orig" "$(stamp "$n")" <<'PY'
import sys
src, dst, old, new = sys.argv[1:]
data = open(src, "rb").read()
count = data.count(old.encode())
if count == 0 or len(old) != len(new):
    sys.exit(f"commit {old} not found in {src}")
open(dst, "wb").write(data.replace(old.encode(), new.encode()))
PY
  chmod 755 "$WORK/bin/podium-$n"
done
for n in 1 2 3; do
  if [ "$("$WORK/bin/podium-$n" version | tr -d '(),' | awk '{print $4}')" = "$(stamp "$n")" ] \
    && deploy/scripts/package --arch x86_64 --out "$WORK/dist" "v0.1.$n-test" "$WORK/bin/podium-$n" >/dev/null; then
    ok "release v0.1.$n-test packaged: commit $(stamp "$n"), $(du -h "$WORK/dist/podium-v0.1.$n-test-linux-x86_64.tar.gz" | cut -f1)"
  else
    fail "release v0.1.$n-test"
  fi
done
listing=$(tar -tzf "$WORK/dist/podium-v0.1.1-test-linux-x86_64.tar.gz")
if grep -qx 'podium-v0.1.1-test/podium' <<<"$listing" && grep -qx 'podium-v0.1.1-test/deploy/scripts/deploy' <<<"$listing" \
  && ! grep -q '^podium-v0.1.1-test/deploy/secrets/.' <<<"$listing" \
  && (cd "$WORK/dist" && sha256sum -c --quiet SHA256SUMS); then
  ok "tarball holds the binary and the deploy kit, no secrets; SHA256SUMS verifies"
else
  fail "tarball content or SHA256SUMS"
fi

# Broken releases. A: the tarball changes after its checksum was recorded (corrupt download).
deploy/scripts/package --out "$WORK/dist" v0.1.4-corrupt "$WORK/bin/podium-4" >/dev/null
printf 'X' | dd of="$WORK/dist/podium-v0.1.4-corrupt-linux-x86_64.tar.gz" bs=1 seek=5000 conv=notrunc status=none
# B: a build that migrates but never gets ready (serve cannot reach its database).
cat >"$WORK/bin/podium-notready" <<EOF
#!/usr/bin/env bash
if [ "\${1:-}" = serve ]; then unset DATABASE_URL_FILE; export DATABASE_URL=postgres://podium_app:wrong@127.0.0.1:9/podium; fi
exec "$WORK/bin/podium-4" "\$@"
EOF
chmod 755 "$WORK/bin/podium-notready"
deploy/scripts/package --out "$WORK/dist" v0.1.5-notready "$WORK/bin/podium-notready" >/dev/null
# C: a good binary whose deploy kit breaks the web UI behind Nginx: `nginx -t` and the smoke test
# against the new colour pass, the smoke test through the public URL fails after the switch.
mkdir -p "$WORK/brokenkit"
cp -r deploy "$WORK/brokenkit/deploy"
# shellcheck disable=SC2016 # an Nginx template variable, not a shell one
sed -i 's|root \${WEB_ROOT};|root ${WEB_ROOT}/no-such-folder;|' "$WORK/brokenkit/deploy/nginx/templates/nginx.conf.tmpl"
grep -q 'no-such-folder' "$WORK/brokenkit/deploy/nginx/templates/nginx.conf.tmpl" || fail "could not break the kit's web root"
"$WORK/brokenkit/deploy/scripts/package" --out "$WORK/dist" v0.1.6-badkit "$WORK/bin/podium-5" >/dev/null

# ------------------------------------------------------------------ the staging host
section "staging host: network namespace $NS, $HOST_ADDR, openssh-server"
ip netns add "$NS"
ns_made=1
ip link add "$VETH" type veth peer name "$VETH_NS"
ip link set "$VETH_NS" netns "$NS"
ip addr add "$HERE_ADDR/30" dev "$VETH"
ip link set "$VETH" up
in_ns ip addr add "$HOST_ADDR/30" dev "$VETH_NS"
in_ns ip link set "$VETH_NS" up
in_ns ip link set lo up
if ping -c 1 -W 2 "$HOST_ADDR" >/dev/null 2>&1 || in_ns ip -br addr show "$VETH_NS" | grep -q "$HOST_ADDR"; then
  ok "namespace $NS: $VETH ($HERE_ADDR) <-> $VETH_NS ($HOST_ADDR)"
else
  fail "namespace set-up"
fi

# Keys made here, private ones 0600; the host key is pinned in a known_hosts file made from it.
(umask 077
 ssh-keygen -q -t ed25519 -N '' -C staging-host -f "$SSHD/ssh_host_ed25519_key"
 ssh-keygen -q -t ed25519 -N '' -C podium-ship-test -f "$SSHD/deploy_key"
 cp "$SSHD/deploy_key.pub" "$SSHD/authorized_keys")
printf '%s %s\n' "$HOST_ADDR" "$(cut -d' ' -f1,2 "$SSHD/ssh_host_ed25519_key.pub")" >"$SSHD/known_hosts"
cat >"$SSHD/sshd_config" <<EOF
ListenAddress $HOST_ADDR:22
HostKey $SSHD/ssh_host_ed25519_key
PidFile $SSHD/sshd.pid
AuthorizedKeysFile $SSHD/authorized_keys
AllowUsers root
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes yes
AllowTcpForwarding no
AllowAgentForwarding no
X11Forwarding no
PermitTTY no
LogLevel VERBOSE
EOF
if [ ! -d /run/sshd ]; then mkdir -m 755 /run/sshd; created_run_sshd=1; fi
in_ns /usr/sbin/sshd -D -e -f "$SSHD/sshd_config" >"$WORK/sshd.log" 2>&1 &
BG_PIDS+=("$!")
ssh_probe() { timeout 5 bash -c "exec 3<>/dev/tcp/$HOST_ADDR/22" 2>/dev/null; }
if wait_for 30 ssh_probe; then
  ok "sshd listens on $HOST_ADDR:22 (in $NS only)"
else
  fail "sshd did not start: $(tail -n 5 "$WORK/sshd.log")"
fi
if [ "$(stat -c %a "$SSHD/deploy_key")" = 600 ] && [ "$(stat -c %a "$SSHD/ssh_host_ed25519_key")" = 600 ]; then
  ok "the test's private keys are 0600, in a 0700 folder"
else
  fail "private key modes: $(stat -c '%a %n' "$SSHD"/*key)"
fi
if ! ss -Hltn "( sport = :22 )" | grep -q .; then
  ok "nothing listens on port 22 in the test's own namespace"
else
  fail "port 22 listens outside the host namespace: $(ss -Hltn '( sport = :22 )')"
fi

# The host's provisioning: its settings (host.env) and the stack's overrides. Nginx listens on
# the host's own address; everything else stays on the host's loopback.
mkdir -p "$REMOTE" "$HOST_STACK"
cat >"$REMOTE/host.env" <<EOF
PODIUM_STACK_DIR=$HOST_STACK
PODIUM_STACK_ENV=$REMOTE/stack.env
PODIUM_STACK_PORT_BASE=$PORT_BASE
DEPLOY_READY_TIMEOUT=15
PODIUM_READY_TIMEOUT=120
EOF
cat >"$REMOTE/stack.env" <<EOF
HTTPS_LISTEN=$HOST_ADDR:$HTTPS_PORT
MONITORING=off
RATE_LIMIT_WRITES=5000r/s
RATE_LIMIT_WRITES_BURST=5000
EOF

ship() { # VERSION [extra options]: the command the deploy workflow runs (output kept)
  local v=$1; shift
  deploy/scripts/ship --dist "$WORK/dist" --known-hosts "$SSHD/known_hosts" --identity "$SSHD/deploy_key" \
    --remote-dir "$REMOTE" --url "$URL" --cacert "$HOST_STACK/tls/ca/ca.crt" \
    --resolve "$NAME:$HTTPS_PORT:$HOST_ADDR" --token-file "$WORK/api_token" "$@" "$HOST_ADDR" "$v" 2>&1 \
    | tee -a "$WORK/ship-output.log"
  return "${PIPESTATUS[0]}"
}
public_commit() {
  curl -sS -m 10 --cacert "$HOST_STACK/tls/ca/ca.crt" --resolve "$NAME:$HTTPS_PORT:$HOST_ADDR" "$URL/version" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["git_commit"])' 2>/dev/null
}
secs() { echo $(($(date +%s) - $1)); }

# ------------------------------------------------------------------ SSH host key pinning
section "SSH: pinned host key"
ssh-keygen -q -t ed25519 -N '' -C other-host -f "$SSHD/other_host_key"
printf '%s %s\n' "$HOST_ADDR" "$(cut -d' ' -f1,2 "$SSHD/other_host_key.pub")" >"$SSHD/known_hosts.wrong"
# The smoke token does not exist before the host's first start: an empty one for this check.
: >"$WORK/api_token"
if out=$(ship v0.1.1-test --known-hosts "$SSHD/known_hosts.wrong" 2>&1); then
  fail "ship to a host whose key is not the pinned one"
elif grep -q 'Host key verification failed' <<<"$out" && grep -q 'cannot reach' <<<"$out" && [ ! -e "$REMOTE/releases" ]; then
  ok "a host key other than the pinned one is refused before anything is copied"
else
  fail "wrong host key: $out"
fi
if out=$(ship v0.1.1-test --known-hosts /dev/null 2>&1); then
  fail "ship without a pinned host key"
elif grep -q 'pinned known_hosts' <<<"$out"; then
  ok "ship refuses to run without a pinned known_hosts file"
else
  fail "no known_hosts: $out"
fi

# ------------------------------------------------------------------ first ship: the stack starts
section "first ship: v0.1.1-test starts the host's stack"
t=$(date +%s)
# The smoke test's API token is the host's (the workflow has it as a secret): copied from the
# host as soon as its first start made it, as provisioning would put it in the secret store.
( for _ in $(seq 600); do
    if [ -s "$HOST_STACK/secrets/api_token" ]; then (umask 077; cp "$HOST_STACK/secrets/api_token" "$WORK/api_token"); exit 0; fi
    sleep 0.2
  done ) &
BG_PIDS+=("$!")
if out=$(ship v0.1.1-test 2>&1) && [ "$(public_commit)" = "$(stamp 1)" ]; then
  ok "v0.1.1-test serves through $URL (Nginx TLS on $HOST_ADDR) after the first ship ($(secs "$t")s incl. stack start)"
else
  fail "first ship: $(tail -n 15 <<<"$out")"
  tail -n 20 "$WORK/sshd.log"
  echo; echo "ship: $PASSED passed, $((FAILED + 1)) failed"; exit 1
fi
if in_ns pgrep -f "$HOST_STACK/colours/[a-z]+/release/podium serve" >/dev/null \
  && ! pgrep -f "$HOST_STACK/colours/[a-z]+/release/podium serve" | grep -qvxF -f <(ip netns pids "$NS"); then
  ok "the stack runs inside the host's namespace only"
else
  fail "stack processes outside the namespace"
fi

# ------------------------------------------------------------------ deploys under load
token=$(cat "$WORK/api_token")
LOAD_OUT=$WORK/load.json
python3 deploy/tests/loadgen.py --host "$HOST_ADDR" --port "$HTTPS_PORT" --name "$NAME" \
  --cacert "$HOST_STACK/tls/ca/ca.crt" --token "$token" --threads 4 --interval 0.01 \
  --out "$LOAD_OUT" --ready "$LOAD_OUT.ready" >"$LOAD_OUT.txt" 2>&1 &
LOAD_PID=$!
BG_PIDS+=("$LOAD_PID")
wait_for 30 test -e "$LOAD_OUT.ready" || fail "load generator: no response within 30 s ($(tail -n 3 "$LOAD_OUT.txt"))"

section "ship v0.1.2-test and v0.1.3-test under load"
for n in 2 3; do
  t=$(date +%s)
  if out=$(ship "v0.1.$n-test" 2>&1) && [ "$(public_commit)" = "$(stamp "$n")" ]; then
    ok "v0.1.$n-test shipped and serves (commit $(stamp "$n")) in $(secs "$t")s: $(grep -o 'upload .*' <<<"$out" | tail -n 1)"
  else
    fail "ship v0.1.$n-test: $(tail -n 15 <<<"$out")"
  fi
done
echo "blue-green deploy durations on the host (deploy.log): $(grep 'action=deploy.*outcome=success' "$HOST_STACK/deploy.log" \
  | sed -n 's/.*from=\([a-z]*\) to=\([a-z]*\).*duration_s=\([0-9]*\).*/\1->\2 \3s/p' | paste -sd, -)"

section "broken releases under load"
before=$(public_commit)
t=$(date +%s)
if out=$(ship v0.1.4-corrupt 2>&1); then
  fail "corrupt tarball shipped"
elif grep -q 'checksum mismatch' <<<"$out" && [ ! -e "$REMOTE/releases/v0.1.4-corrupt" ] \
  && ! compgen -G "$REMOTE/incoming/*corrupt*" >/dev/null && [ "$(public_commit)" = "$before" ]; then
  ok "corrupt tarball refused by its checksum before anything was sent ($(secs "$t")s)"
else
  fail "corrupt tarball: $(tail -n 5 <<<"$out")"
fi
t=$(date +%s)
if out=$(ship v0.1.5-notready 2>&1); then
  fail "a release that never gets ready was shipped"
elif grep -q 'refused on' <<<"$out" && [ "$(public_commit)" = "$before" ] \
  && tail -n 1 "$HOST_STACK/deploy.log" | grep -q 'outcome=failed'; then
  ok "a release that never gets ready is refused on the host; v0.1.3-test keeps serving ($(secs "$t")s: $(grep -m1 -o 'did not become ready' <<<"$out"))"
else
  fail "not-ready release: $(tail -n 8 <<<"$out")"
fi
t=$(date +%s)
if out=$(ship v0.1.6-badkit 2>&1); then
  fail "a release failing the public smoke test was kept"
elif grep -q 'rolled back in' <<<"$out" && [ "$(public_commit)" = "$before" ] \
  && tail -n 1 "$HOST_STACK/deploy.log" | grep -q 'action=rollback.*outcome=success' \
  && [ "$(basename "$(readlink "$REMOTE/current")")" = v0.1.3-test ]; then
  rb=$(tail -n 1 "$HOST_STACK/deploy.log" | sed -n 's/.*duration_s=\([0-9]*\).*/\1/p')
  ok "a release failing the smoke test through the public URL is rolled back automatically: $(grep -o 'rolled back in [0-9]*s' <<<"$out") (deploy.log ${rb}s), v0.1.3-test serves again, ship took $(secs "$t")s"
else
  fail "bad-kit release: $(tail -n 12 <<<"$out")"
fi
if smoke_out=$(deploy/scripts/smoke --cacert "$HOST_STACK/tls/ca/ca.crt" --resolve "$NAME:$HTTPS_PORT:$HOST_ADDR" \
  --token-file "$WORK/api_token" --expect-commit "$(stamp 3)" "$URL" 2>&1); then
  ok "smoke test through the public URL passes after the rollback (web UI served again)"
else
  fail "smoke after rollback: $smoke_out"
fi

kill -TERM "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$LOAD_OUT" 2>/dev/null || echo 0)
lfailed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$LOAD_OUT" 2>/dev/null || echo "?")
if [ "$lfailed" = 0 ] && [ "$requests" -gt 100 ]; then
  ok "load through $HOST_ADDR during 2 deploys, 3 refused or rolled-back releases: $requests requests, 0 failed ($(cat "$LOAD_OUT.txt"))"
else
  fail "load: $requests requests, $lfailed failed ($(cat "$LOAD_OUT.txt"))"
  python3 -c 'import json,sys; print("\n".join(json.load(open(sys.argv[1]))["samples"]))' "$LOAD_OUT" 2>/dev/null | head -10
fi
echo "host deploy log:"; tail -n 6 "$HOST_STACK/deploy.log" | cut -c1-220
# No secret in what ship printed (all runs) nor in the SSH server's log: the API token, the
# database passwords of the host, the deploy key.
leaks=()
for s in "$HOST_STACK"/secrets/api_token "$HOST_STACK"/secrets/db_*_password; do
  [ -s "$s" ] || continue
  grep -qF "$(cat "$s")" "$WORK/ship-output.log" "$WORK/sshd.log" && leaks+=("${s##*/}")
done
grep -qF "$(sed -n 2p "$SSHD/deploy_key")" "$WORK/ship-output.log" "$WORK/sshd.log" && leaks+=(deploy_key)
if [ ${#leaks[@]} = 0 ] && [ "$(grep -c . "$WORK/ship-output.log")" -gt 20 ]; then
  ok "no secret in ship's output ($(grep -c . "$WORK/ship-output.log") lines) nor in the SSH server's log"
else
  fail "secrets printed: ${leaks[*]:-none, but ship printed nothing}"
fi

echo
echo "ship tests took $(secs "$started")s"
echo "ship: $PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
