#!/usr/bin/env bash
# Infrastructure as code, tested for real (issue 15). A fresh Debian 12 host (a debootstrap root,
# cached, under an overlay so the cache stays pristine) runs in a network namespace of this
# test's own with its own openssh-server; the playbook (deploy/ansible) is applied to it over SSH
# with ansible, twice (the second run must change nothing); then the host is probed from outside:
# from the admin address (this namespace) and from a second namespace (a disallowed address).
# No init runs in that host (systemd cannot be PID 1 there): units are checked with
# `systemd-analyze verify`, and the test starts the processes itself (sshd, the native stack).
# Terraform (deploy/terraform): checkov, python-hcl2 and the module README's table; `terraform
# validate` needs providers, which cannot be fetched here. Ends with `iac: N passed, M failed`.
set -euo pipefail

case "${1:-}" in
  -h|--help)
    cat <<'USAGE'
usage: scripts/test-iac.sh
Environment: PODIUM_BIN (default target/debug/podium, built when missing),
  PODIUM_IAC_VENV (default ~/.cache/podium/iac-venv: ansible-core, ansible-lint, python-hcl2),
  PODIUM_CHECKOV_VENV (default ~/.cache/podium/checkov-venv), PODIUM_CACHE (the host root),
  IAC_TEST_NET (default 10.231.9: admin side .1, host .2, the other address .6 via the host's .5),
  KEEP_WORK=1 (keep the work folder).
USAGE
    exit 0 ;;
  "") ;;
  *) echo "usage: scripts/test-iac.sh" >&2; exit 2 ;;
esac

REPO=$(cd "$(dirname "$0")/.." && pwd)
cd "$REPO"
# shellcheck source=scripts/lib/stage.sh
. scripts/lib/stage.sh
# shellcheck source=scripts/lib/netns.sh
. scripts/lib/netns.sh

NET=${IAC_TEST_NET:-10.231.9}
ADMIN_ADDR=$NET.1 HOST_ADDR=$NET.2 HOST_ADDR2=$NET.5 OTHER_ADDR=$NET.6
NS=podium-iac-$$
NS_OTHER=podium-iacx-$$
VETH_X=piacx$$a
WORK=$(mktemp -d /tmp/podium-iac-test.XXXXXX)
chmod 700 "$WORK"
ROOT=$WORK/root
VENV=${PODIUM_IAC_VENV:-$HOME/.cache/podium/iac-venv}
CKVENV=${PODIUM_CHECKOV_VENV:-$HOME/.cache/podium/checkov-venv}
STACK=/opt/podium/stack
started=$SECONDS
MOUNTS=()

in_host() { ip netns exec "$NS" chroot "$ROOT" "$@"; }
host_stack() { # up|down: the stack as podium-stack.service runs it, inside the host
  # shellcheck disable=SC2016 # expanded by the host's shell
  in_host bash -c 'set -a; . /opt/podium/host.env; set +a; PODIUM_BIN=/opt/podium/current/podium exec /opt/podium/current/deploy/local/stack "$1"' _ "$1"
}
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  local m i
  if [ -x "$ROOT/opt/podium/current/deploy/local/stack" ] && [ -n "${NETNS_MADE[*]:-}" ]; then
    host_stack down >/dev/null 2>&1 || true
  fi
  netns_cleanup
  for ((i = ${#MOUNTS[@]} - 1; i >= 0; i--)); do
    m=${MOUNTS[$i]}
    umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || echo "warning: could not unmount $m" >&2
  done
  if findmnt -rn -o TARGET | grep -qF "$WORK/"; then
    echo "warning: mounts left under $WORK, not deleting it" >&2
  elif [ "${KEEP_WORK:-0}" = 1 ]; then echo "work folder kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM
finish() { echo; echo "iac tests took $((SECONDS - started)) s"; stage_result iac; }
mnt() { mount "$@" && MOUNTS+=("${!#}"); }

# ------------------------------------------------------------------ tools
step "tools: the test host's root, ansible, checkov (cached under ~/.cache/podium)"
for tool in debootstrap sshd ssh-keygen age shellcheck curl python3; do
  command -v "$tool" >/dev/null || { bad "$tool missing: run scripts/install-deps.sh"; finish; }
done
if [ ! -x "$VENV/bin/ansible-lint" ] || [ ! -x "$VENV/bin/ansible-playbook" ]; then
  echo "creating $VENV"
  python3 -m venv "$VENV" && nice -n 10 "$VENV/bin/pip" install -q ansible-core==2.18.19 ansible-lint==25.12.2 python-hcl2==8.1.4
fi
if [ ! -x "$CKVENV/bin/checkov" ]; then
  echo "creating $CKVENV"
  python3 -m venv "$CKVENV" && nice -n 10 "$CKVENV/bin/pip" install -q checkov==3.3.30
fi
t0=$SECONDS
if BASE=$(nice -n 10 scripts/iac/host-root.sh); then
  ok "Debian 12 host root: $BASE ($((SECONDS - t0)) s)"
else
  bad "scripts/iac/host-root.sh"; finish
fi
PODIUM_BIN=${PODIUM_BIN:-$REPO/target/debug/podium}
if [ ! -x "$PODIUM_BIN" ]; then
  SQLX_OFFLINE=true nice -n 10 cargo build --locked -q -p podium-server --bin podium
fi
export PATH=$VENV/bin:$PATH ANSIBLE_CONFIG=$REPO/deploy/ansible/ansible.cfg ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0

# ------------------------------------------------------------------ static checks
step "lint: shellcheck, ansible-lint (production profile), syntax of every playbook"
check "shellcheck test-iac.sh, host-root.sh, deploy/local/colour" shellcheck -x scripts/test-iac.sh scripts/iac/host-root.sh deploy/local/colour
# ansible-lint takes a while: it runs while the host is set up, its result is read after the playbook.
(cd deploy/ansible && nice -n 10 ansible-lint --offline --profile production -q staging.yml production.yml test.yml) >"$WORK/ansible-lint.log" 2>&1 &
LINT_PID=$!
for env in staging production; do
  check "ansible-playbook --syntax-check $env.yml" \
    ansible-playbook -i "deploy/ansible/inventories/$env/hosts.yml" --syntax-check "deploy/ansible/$env.yml"
done

# ------------------------------------------------------------------ the host
step "the host: overlay on the cached root, namespace $NS ($HOST_ADDR), a second one ($OTHER_ADDR)"
mkdir -p "$WORK/upper" "$WORK/ovl" "$ROOT"
mnt -t overlay overlay -o "lowerdir=$BASE,upperdir=$WORK/upper,workdir=$WORK/ovl" "$ROOT"
mnt -t proc proc "$ROOT/proc"
mnt -t sysfs sysfs "$ROOT/sys"
mnt --bind /dev "$ROOT/dev"
mnt --bind /dev/pts "$ROOT/dev/pts"
mnt -t tmpfs -o mode=1777 tmpfs "$ROOT/dev/shm"
mnt -t tmpfs -o mode=755 tmpfs "$ROOT/run"
mkdir -p "$ROOT/run/sshd" "$ROOT/run/lock"
netns_make "$NS" "piac$$a" "piac$$b" "$ADMIN_ADDR" "$HOST_ADDR"
# The other address reaches the host through a link of its own (no forwarding in this namespace).
ip netns add "$NS_OTHER" && NETNS_MADE+=("$NS_OTHER $VETH_X")
ip link add "$VETH_X" type veth peer name "piacx$$b"
ip link set "$VETH_X" netns "$NS"
ip link set "piacx$$b" netns "$NS_OTHER"
ip netns exec "$NS" ip addr add "$HOST_ADDR2/30" dev "$VETH_X"
ip netns exec "$NS" ip link set "$VETH_X" up
ip netns exec "$NS_OTHER" ip addr add "$OTHER_ADDR/30" dev "piacx$$b"
ip netns exec "$NS_OTHER" ip link set "piacx$$b" up
ip netns exec "$NS_OTHER" ip link set lo up
ip netns exec "$NS_OTHER" ip route add default via "$HOST_ADDR2"
echo "podium-test-1" >"$ROOT/etc/hostname"
printf '127.0.0.1 localhost podium-test-1\n%s podium.test\n' "$HOST_ADDR" >"$ROOT/etc/hosts"

# The cloud image's login: user admin with a key (cloud-init would install it).
(umask 077; ssh-keygen -q -t ed25519 -N '' -C podium-iac-test -f "$WORK/admin_key")
install -d -m 700 "$ROOT/home/admin/.ssh"
cp "$WORK/admin_key.pub" "$ROOT/home/admin/.ssh/authorized_keys"
chmod 600 "$ROOT/home/admin/.ssh/authorized_keys"
chroot "$ROOT" chown -R admin:admin /home/admin/.ssh
printf '%s %s\n' "$HOST_ADDR" "$(cut -d' ' -f1,2 "$ROOT/etc/ssh/ssh_host_ed25519_key.pub")" >"$WORK/known_hosts"
printf '%s %s\n' "$HOST_ADDR2" "$(cut -d' ' -f1,2 "$ROOT/etc/ssh/ssh_host_ed25519_key.pub")" >>"$WORK/known_hosts"
# Its own hostname (UTS namespace): sudo resolves it through the host's /etc/hosts.
ip netns exec "$NS" unshare --uts chroot "$ROOT" sh -c 'hostname podium-test-1 && exec /usr/sbin/sshd -D -e' >"$WORK/sshd.log" 2>&1 &
SSHD_PID=$!
if wait_for 20 timeout 2 bash -c "exec 3<>/dev/tcp/$HOST_ADDR/22"; then
  ok "the host's sshd answers on $HOST_ADDR:22 (Debian's default configuration)"
else
  bad "sshd: $(tail -n 5 "$WORK/sshd.log")"; finish
fi
sshx() { ssh -i "$WORK/admin_key" -o BatchMode=yes -o StrictHostKeyChecking=yes -o "UserKnownHostsFile=$WORK/known_hosts" -o ConnectTimeout=5 "$@"; }

# ------------------------------------------------------------------ the playbook, twice
step "release tarball (deploy/scripts/package) and the playbook over SSH"
RELEASE=v0.0.0-iac
PODIUM_IAC_TARBALL=$WORK/dist/podium-$RELEASE-linux-$(uname -m).tar.gz
export PODIUM_IAC_TARBALL
deploy/scripts/package --out "$WORK/dist" "$RELEASE" "$PODIUM_BIN" >/dev/null
export PODIUM_IAC_HOST=$HOST_ADDR PODIUM_IAC_KEY=$WORK/admin_key PODIUM_IAC_KNOWN_HOSTS=$WORK/known_hosts \
  PODIUM_IAC_ADMIN_ADDR=$ADMIN_ADDR PODIUM_IAC_RELEASE=$RELEASE \
  PODIUM_AGE_IDENTITY=$REPO/deploy/ansible/inventories/test/age-test-identity.txt
play() { nice -n 10 ansible-playbook -i deploy/ansible/inventories/test/hosts.yml deploy/ansible/test.yml; }
t0=$SECONDS
if play >"$WORK/play1.log" 2>&1; then
  first_s=$((SECONDS - t0))
  ok "first run: $(grep -A1 'PLAY RECAP' "$WORK/play1.log" | tail -n 1 | tr -s ' ' | cut -d: -f2-) ($first_s s)"
else
  bad "first run of the playbook"; grep -E 'fatal|FAILED|ERROR|msg' "$WORK/play1.log" | tail -n 25; finish
fi
t0=$SECONDS
if play >"$WORK/play2.log" 2>&1 && grep -A1 'PLAY RECAP' "$WORK/play2.log" | tail -n 1 | grep -q ' changed=0 .*failed=0'; then
  ok "second run changes nothing: $(grep -A1 'PLAY RECAP' "$WORK/play2.log" | tail -n 1 | tr -s ' ' | cut -d: -f2-) ($((SECONDS - t0)) s)"
else
  bad "second run is not idempotent: $(grep -A1 'PLAY RECAP' "$WORK/play2.log" | tail -n 1)"
  grep -B1 -E '^changed:' "$WORK/play2.log" | grep -E '^TASK|^changed' | head -20
fi

if wait "$LINT_PID"; then ok "ansible-lint --profile production deploy/ansible (staging.yml, production.yml, test.yml and the roles)"
else bad "ansible-lint --profile production"; tail -n 30 "$WORK/ansible-lint.log"; fi

# ------------------------------------------------------------------ SSH hardening
step "SSH: hardened configuration, keys only, admin address only"
# No init reloads sshd in this host: SIGHUP makes the running sshd re-read its configuration.
kill -HUP "$SSHD_PID"
sleep 1
T=$(in_host /usr/sbin/sshd -T 2>&1 || true)
want=("permitrootlogin no" "passwordauthentication no" "kbdinteractiveauthentication no" "x11forwarding no"
  "allowtcpforwarding no" "maxauthtries 3" "allowgroups ssh-users"
  "ciphers chacha20-poly1305@openssh.com,aes256-gcm@openssh.com,aes128-gcm@openssh.com"
  "macs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com")
missing=()
for w in "${want[@]}"; do grep -qxF "$w" <<<"$T" || missing+=("$w"); done
if [ ${#missing[@]} = 0 ]; then ok "sshd -T: no root, no passwords, ssh-users only, AEAD ciphers and ETM MACs only"
else bad "sshd -T lacks: ${missing[*]}"; fi
fwd_admin=$(in_host /usr/sbin/sshd -T -C "user=admin,host=x,addr=$ADMIN_ADDR" 2>&1 | sed -n 's/^allowtcpforwarding //p')
fwd_deploy=$(in_host /usr/sbin/sshd -T -C "user=podium-deploy,host=x,addr=$ADMIN_ADDR" 2>&1 | sed -n 's/^allowtcpforwarding //p')
if [ "$fwd_admin" = local ] && [ "$fwd_deploy" = no ]; then
  ok "TCP forwarding: local tunnels for operators (group sudo) only, none for podium-deploy"
else
  bad "TCP forwarding: admin '$fwd_admin' (want local), podium-deploy '$fwd_deploy' (want no)"
fi
check "admin logs in with its key from $ADMIN_ADDR after the reload, sudo works" sshx "admin@$HOST_ADDR" sudo -n true
if ! sshx -o Ciphers=aes128-cbc "admin@$HOST_ADDR" true >/dev/null 2>&1 && ! sshx "root@$HOST_ADDR" true >/dev/null 2>&1 \
  && ! sshx -o PubkeyAuthentication=no -o PasswordAuthentication=yes "admin@$HOST_ADDR" true >/dev/null 2>&1; then
  ok "refused: a CBC cipher, root, password login"
else
  bad "sshd accepted a CBC cipher, root or a password login"
fi
tcp_open() { timeout 4 bash -c "exec 3<>/dev/tcp/$1/$2" 2>/dev/null; }
if ip netns exec "$NS_OTHER" timeout 4 bash -c "exec 3<>/dev/tcp/$HOST_ADDR2/22" 2>/dev/null; then
  bad "port 22 answers the disallowed address $OTHER_ADDR"
else
  ok "port 22 does not answer $OTHER_ADDR (not an admin address)"
fi

# ------------------------------------------------------------------ the stack, started by the test
step "the native stack in the host (started as podium-stack.service would: stack up)"
t0=$SECONDS
if out=$(host_stack up 2>&1); then
  ok "stack up in the host: PostgreSQL, Podium blue and green, Nginx on 0.0.0.0:80/443 ($((SECONDS - t0)) s)"
else
  bad "stack up: $(tail -n 15 <<<"$out")"
fi
CURL=(curl -sS -m 5 -o /dev/null -w '%{http_code}')
code443=$("${CURL[@]}" -k --resolve "podium.test:443:$HOST_ADDR" https://podium.test/readyz || true)
code80=$("${CURL[@]}" --resolve "podium.test:80:$HOST_ADDR" http://podium.test/ || true)
if [ "$code443" = 200 ] && [ -n "$code80" ] && [ "$code80" != 000 ]; then
  ok "from $ADMIN_ADDR: https://$HOST_ADDR/readyz $code443, http://$HOST_ADDR/ $code80"
else
  bad "443/80 from the admin address: $code443 / $code80"
fi
code443=$(ip netns exec "$NS_OTHER" "${CURL[@]}" -k --resolve "podium.test:443:$HOST_ADDR2" https://podium.test/readyz || true)
code80=$(ip netns exec "$NS_OTHER" "${CURL[@]}" --resolve "podium.test:80:$HOST_ADDR2" http://podium.test/ || true)
if [ "$code443" = 200 ] && [ -n "$code80" ] && [ "$code80" != 000 ]; then
  ok "from $OTHER_ADDR: 443 $code443, 80 $code80 (public ports answer everyone)"
else
  bad "443/80 from the other address: $code443 / $code80"
fi

# The podium@ unit's command, run as systemd would (its EnvironmentFile, ExecStart with %i =
# green; the role's port base 184 puts green on 18402) in place of the standby the stack started: it must get ready, keep the pid file the
# deploy scripts use, and exit 0 on SIGTERM (a deploy's stop), so Restart=on-failure leaves a
# stopped colour stopped. The restart after a crash needs systemd: not run here.
green_pid=$(cat "$ROOT$STACK/colours/green/pid" 2>/dev/null || echo 0)
exec_start=$(sed -n 's/^ExecStart=//p' "$ROOT/etc/systemd/system/podium@.service" | sed 's/%i/green/g')
if [ "$green_pid" -gt 0 ] && kill -TERM "$green_pid" 2>/dev/null && wait_for 30 bash -c "! kill -0 $green_pid 2>/dev/null"; then
  # shellcheck disable=SC2016 # expanded by the host's shell
  ip netns exec "$NS" chroot "$ROOT" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    bash -c 'set -a; . /opt/podium/host.env; set +a; exec $1' _ "$exec_start" >"$WORK/unit-green.log" 2>&1 &
  unit_pid=$!
  if wait_for 60 ip netns exec "$NS" curl -fsS -m 2 -o /dev/null http://127.0.0.1:18402/readyz \
    && [ "$(cat "$ROOT$STACK/colours/green/pid")" = "$unit_pid" ]; then
    ok "podium@green's ExecStart ($exec_start) serves green, pid file = its pid"
  else
    bad "podium@green's ExecStart: $(tail -n 5 "$WORK/unit-green.log")"
  fi
  kill -TERM "$unit_pid" 2>/dev/null || true
  rc=0; wait "$unit_pid" || rc=$?
  if [ "$rc" = 0 ]; then ok "the colour exits 0 on SIGTERM (Restart=on-failure will not bring back a colour a deploy stopped)"
  else bad "the colour exited $rc on SIGTERM: Restart=on-failure would restart a colour a deploy stopped"; fi
else
  bad "could not stop the stack's green (pid $green_pid) to run the unit's command instead"
fi

# A release shipped the way the deploy workflow does, as the deploy user the playbook made: it
# may log in (group ssh-users) and run only the host's root-owned podium-ship-host through sudo.
step "a release shipped as podium-deploy (deploy/scripts/ship --sudo-helper)"
deploy/scripts/package --out "$WORK/dist" v0.0.1-iac "$PODIUM_BIN" >/dev/null
t0=$SECONDS
if out=$(deploy/scripts/ship --sudo-helper /usr/local/sbin/podium-ship-host --dist "$WORK/dist" --arch "$(uname -m)" \
  --known-hosts "$WORK/known_hosts" --identity "$WORK/admin_key" --url https://podium.test \
  --cacert "$ROOT$STACK/tls/ca/ca.crt" --resolve "podium.test:443:$HOST_ADDR" --token-file "$ROOT$STACK/secrets/api_token" \
  "podium-deploy@$HOST_ADDR" v0.0.1-iac 2>&1) && [ "$(readlink "$ROOT/opt/podium/current")" = releases/v0.0.1-iac ]; then
  ok "v0.0.1-iac shipped by podium-deploy and serving, blue-green ($((SECONDS - t0)) s)"
else
  bad "ship as podium-deploy: $(tail -n 8 <<<"$out")"
fi
if ! sshx "podium-deploy@$HOST_ADDR" sudo -n true >/dev/null 2>&1 && sshx "podium-deploy@$HOST_ADDR" sudo -n -l 2>/dev/null | grep -q '/usr/local/sbin/podium-ship-host'; then
  ok "podium-deploy may run podium-ship-host as root and nothing else (sudo -n true refused)"
else
  bad "podium-deploy's sudo rights are wider than podium-ship-host"
fi

# Rotating Podium's database password under load (docs/operations.md, "Rotating secrets"): the
# new value encrypted over the old file (in a copy of the test inventory), the playbook's secrets
# role only, `stack up` (ALTER ROLE, a new database_url_app), a blue-green deploy of the same
# release so a colour with the new URL takes over; the load must see no failed request.
step "rotating the application's database password under load"
cp -r deploy/ansible/inventories/test "$WORK/inv"
old_pw=$(cat "$ROOT$STACK/secrets/db_app_password")
new_pw=$(openssl rand -hex 24)
printf '%s' "$new_pw" | age -R "$WORK/inv/secrets/recipients.txt" -o "$WORK/inv/secrets/db_app_password.age"
python3 deploy/tests/loadgen.py --host "$HOST_ADDR" --port 443 --name podium.test --cacert "$ROOT$STACK/tls/ca/ca.crt" \
  --token "$(cat "$ROOT$STACK/secrets/api_token")" --threads 4 --interval 0.01 \
  --out "$WORK/load.json" --ready "$WORK/load.ready" >"$WORK/load.txt" 2>&1 &
LOAD_PID=$!
t0=$SECONDS
if wait_for 30 test -e "$WORK/load.ready" \
  && nice -n 10 ansible-playbook -i "$WORK/inv/hosts.yml" deploy/ansible/test.yml --tags secrets >"$WORK/play-rotate.log" 2>&1 \
  && grep -A1 'PLAY RECAP' "$WORK/play-rotate.log" | tail -n 1 | grep -q ' changed=1 ' \
  && host_stack up >"$WORK/rotate-up.log" 2>&1 \
  && in_host bash -c 'set -a; . /opt/podium/host.env; set +a; exec /opt/podium/current/deploy/scripts/deploy /opt/podium/current/podium' >"$WORK/rotate-deploy.log" 2>&1; then
  rotated=1
else
  rotated=0
fi
sleep 2
kill -TERM "$LOAD_PID" 2>/dev/null || true
wait "$LOAD_PID" 2>/dev/null || true
requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$WORK/load.json" 2>/dev/null || echo 0)
lfailed=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["failed"])' "$WORK/load.json" 2>/dev/null || echo "?")
pg() { in_host env PGPASSWORD="$1" psql -X -q -h 127.0.0.1 -p 18432 -U podium_app -d podium -tAc 'select 1'; }
if [ "$rotated" = 1 ] && [ "$lfailed" = 0 ] && [ "$requests" -gt 50 ] \
  && grep -qF ":$new_pw@" "$ROOT$STACK/secrets/database_url_app" && pg "$new_pw" >/dev/null 2>&1 && ! pg "$old_pw" >/dev/null 2>&1; then
  ok "db_app_password rotated under load in $((SECONDS - t0)) s: $requests requests, 0 failed; the old password is refused, the serving colour uses the new one"
else
  bad "rotation: rotated=$rotated, $requests requests, $lfailed failed ($(tail -n 2 "$WORK/load.txt" 2>/dev/null)); $(grep -A1 'PLAY RECAP' "$WORK/play-rotate.log" 2>/dev/null | tail -n 1); $(tail -n 3 "$WORK/rotate-deploy.log" 2>/dev/null)"
fi

# ------------------------------------------------------------------ private ports
step "firewall: PostgreSQL, Prometheus, metrics never reachable from outside"
# Listeners on every address of the host for the well-known ports (the stack's own are on
# loopback anyway): reachable inside the host, dropped from outside, admin address included.
ip netns exec "$NS" python3 - 5432 9090 9464 <<'PY' >"$WORK/listeners.log" 2>&1 &
import socket, sys, threading, time
socks = []
for p in sys.argv[1:]:
    s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(p))); s.listen(16); socks.append(s)
    threading.Thread(target=lambda s=s: [s.accept()[0].close() for _ in iter(int, 1)], daemon=True).start()
print("listening", flush=True)
time.sleep(600)
PY
LISTENERS=$!
wait_for 10 grep -q listening "$WORK/listeners.log" || bad "test listeners: $(cat "$WORK/listeners.log")"
for port in 5432 9090 9464; do
  if ip netns exec "$NS" timeout 3 bash -c "exec 3<>/dev/tcp/$HOST_ADDR/$port" 2>/dev/null \
    && ! tcp_open "$HOST_ADDR" "$port" \
    && ! ip netns exec "$NS_OTHER" timeout 4 bash -c "exec 3<>/dev/tcp/$HOST_ADDR2/$port" 2>/dev/null; then
    ok "port $port listens on every address of the host, yet answers neither $ADMIN_ADDR nor $OTHER_ADDR"
  else
    bad "port $port reachable from outside (or its listener is down)"
  fi
done
kill "$LISTENERS" 2>/dev/null || true
wait "$LISTENERS" 2>/dev/null || true
# What the stack listens on beyond loopback: Nginx's 80 and 443, and sshd.
wide=$(ip netns exec "$NS" ss -Hltn | awk '{print $4}' | grep -Ev '^(127\.0\.0\.1|\[::1\]):' | sort -u | paste -sd' ' - || true)
ok "listening beyond loopback in the host: $wide"

step "firewall: a port published the way Docker publishes one cannot bypass it"
# Docker's recipe in iptables (nat PREROUTING DNAT, filter FORWARD ACCEPT), with a "container" in
# the second namespace serving on 8080: reachable from the host itself, dropped from outside.
ip netns exec "$NS_OTHER" python3 -u -m http.server 8080 --bind "$OTHER_ADDR" --directory "$WORK/dist" >"$WORK/container.log" 2>&1 &
CTR=$!
ip netns exec "$NS" sysctl -qw net.ipv4.ip_forward=1
if out=$(in_host iptables -t nat -A PREROUTING -p tcp --dport 8080 -j DNAT --to-destination "$OTHER_ADDR:8080" 2>&1 \
  && in_host iptables -A FORWARD -d "$OTHER_ADDR" -p tcp --dport 8080 -j ACCEPT 2>&1) \
  && wait_for 30 ip netns exec "$NS" curl -fsS -m 2 -o /dev/null "http://$OTHER_ADDR:8080/"; then
  if "${CURL[@]}" "http://$HOST_ADDR:8080/" >/dev/null 2>&1; then
    bad "the DNATed port 8080 answers from outside: the forward chain lets it through"
  else
    ok "port 8080 DNATed to a container (iptables, as Docker does) answers inside the host, not from $ADMIN_ADDR"
  fi
  # The control: a public port published the same way passes (443 to the container for a moment).
  in_host iptables -t nat -I PREROUTING -p tcp --dport 443 -j DNAT --to-destination "$OTHER_ADDR:8080"
  code=$("${CURL[@]}" "http://$HOST_ADDR:443/" || true)
  in_host iptables -t nat -D PREROUTING -p tcp --dport 443 -j DNAT --to-destination "$OTHER_ADDR:8080"
  if [ "$code" = 200 ]; then ok "a public port (443) published the same way does pass (the check above can fail)"
  else bad "443 DNATed to the container did not answer: $code"; fi
else
  bad "could not set up the published-port check: $out; from the host: $(ip netns exec "$NS" curl -sS -m 2 -o /dev/null "http://$OTHER_ADDR:8080/" 2>&1); listening: $(ip netns exec "$NS_OTHER" ss -Hltn | paste -sd' ' -); server $(kill -0 "$CTR" 2>/dev/null && echo alive || echo exited): $(tail -n 3 "$WORK/container.log")"
fi
kill "$CTR" 2>/dev/null || true
wait "$CTR" 2>/dev/null || true

# ------------------------------------------------------------------ fail2ban
step "fail2ban: filters on sample lines and on the host's real Nginx log, jails load"
mkdir -p "$ROOT/tmp/f2b"
cp deploy/ansible/tests/fail2ban/*.log "$ROOT/tmp/f2b/"
f2b() { # FILTER SAMPLE EXPECTED
  local out n
  out=$(in_host fail2ban-regex "/tmp/f2b/$2" "$1" 2>&1 || true)
  n=$(sed -n 's/^Lines: .*, \([0-9]*\) matched.*/\1/p' <<<"$out")
  if [ "$n" = "$3" ]; then ok "fail2ban-regex $1 $2: $n of $(grep -c . "deploy/ansible/tests/fail2ban/$2") lines match, as expected"
  else bad "fail2ban-regex $1 $2: ${n:-?} matched, want $3"; tail -n 15 <<<"$out"; fi
}
f2b /etc/fail2ban/filter.d/podium-nginx-auth.conf nginx-auth.log 3
f2b /etc/fail2ban/filter.d/podium-nginx-limit-req.conf nginx-limit-req.log 2
f2b 'sshd[mode=aggressive]' sshd.log 3
# Real failed sign-ins through Nginx, then the filter on the host's access log.
for _ in 1 2 3; do
  curl -sS -m 5 -o /dev/null -k --resolve "podium.test:443:$HOST_ADDR" -H 'content-type: application/json' \
    -d '{"email":"nobody@example.com","password":"wrong password"}' https://podium.test/api/v1/auth/login || true
done
sleep 1
n401=$(grep -c '"uri":"/api/v1/auth/login".*"status":401' "$ROOT$STACK/nginx/logs/access.log" || true)
out=$(in_host fail2ban-regex "$STACK/nginx/logs/access.log" /etc/fail2ban/filter.d/podium-nginx-auth.conf 2>&1 || true)
n=$(sed -n 's/^Lines: .*, \([0-9]*\) matched.*/\1/p' <<<"$out")
if [ "${n401:-0}" -ge 3 ] && [ "$n" = "$n401" ]; then
  ok "the filter finds the $n failed sign-ins ($ADMIN_ADDR) in the host's real access log"
else
  bad "real access log: $n401 401s from the login, filter matched ${n:-?}"
fi
if out=$(in_host fail2ban-client -t 2>&1); then
  ok "fail2ban-client -t: the configuration with the jails sshd, podium-nginx-auth, podium-nginx-limit-req loads"
else
  bad "fail2ban-client -t: $(tail -n 8 <<<"$out")"
fi

# ------------------------------------------------------------------ updates
step "unattended upgrades"
# No network reaches the host: apt goes through a proxy address that refuses at once, so an
# upgrade published after the root was cached fails to download instead of waiting on timeouts.
printf 'Acquire::http::Proxy "http://127.0.0.1:9/";\nAcquire::Retries "0";\n' >"$ROOT/tmp/apt-offline.conf"
if out=$(in_host env APT_CONFIG=/tmp/apt-offline.conf timeout 300 unattended-upgrade --dry-run --debug 2>&1); then
  allowed=$(grep -m1 'Allowed origins are' <<<"$out" | cut -c1-160 || true)
  pending=$(grep -m1 'Packages that will be upgraded' <<<"$out" | cut -c1-160 || true)
  ok "unattended-upgrade --dry-run succeeds (against the root's package lists; ${pending:-no upgrade pending}); $allowed"
elif grep -q 'Packages that will be upgraded' <<<"$out" && grep -qE 'Failed to fetch|fetch.*failed|Connection refused' <<<"$out"; then
  bad "unattended-upgrade --dry-run: upgrades published after the host root was cached cannot be downloaded offline ($(grep -m1 'Packages that will be upgraded' <<<"$out" | cut -c1-160)); rebuild the root: delete ${BASE}"
else
  bad "unattended-upgrade --dry-run: $(tail -n 10 <<<"$out")"
fi
cfg=$(in_host apt-config dump 2>/dev/null)
if grep -q 'Unattended-Upgrade::Automatic-Reboot "true"' <<<"$cfg" && grep -q 'Unattended-Upgrade::Automatic-Reboot-Time "04:30"' <<<"$cfg" \
  && grep -q 'APT::Periodic::Unattended-Upgrade "1"' <<<"$cfg"; then
  ok "apt-config: daily unattended upgrade, reboot when needed at 04:30 only"
else
  bad "apt-config lacks the upgrade or reboot settings"
fi

# ------------------------------------------------------------------ units: verified, not run
step "systemd units (verified: no systemd runs as PID 1 in the host)"
units=(/etc/systemd/system/podium-stack.service /etc/systemd/system/podium@blue.service
  /etc/systemd/system/podium-cert-renew.service /etc/systemd/system/podium-cert-renew.timer
  /etc/systemd/system/podium-backup-full.service /etc/systemd/system/podium-backup-full.timer
  /etc/systemd/system/podium-backup-incr.timer /etc/systemd/system/podium-restore-drill.service)
ln -sf podium@.service "$ROOT/etc/systemd/system/podium@blue.service"
if out=$(in_host env SYSTEMD_LOG_LEVEL=warning systemd-analyze verify "${units[@]}" 2>&1) && ! grep -qi 'podium' <<<"$out"; then
  ok "systemd-analyze verify: ${#units[@]} units (stack, podium@blue, cert renewal, backups)"
else
  bad "systemd-analyze verify: $(grep -i podium <<<"$out" | head -n 10)"
fi
rm -f "$ROOT/etc/systemd/system/podium@blue.service"
enabled=$(in_host systemctl is-enabled nftables fail2ban ssh chrony podium-stack.service podium-cert-renew.timer podium-backup-full.timer 2>&1 | paste -sd' ' - || true)
if [ "$enabled" = "enabled enabled enabled enabled enabled enabled enabled" ]; then
  ok "enabled at boot: nftables fail2ban ssh chrony podium-stack podium-cert-renew.timer podium-backup-full.timer"
else
  bad "systemctl is-enabled: $enabled"
fi
if grep -q '^Restart=on-failure' "$ROOT/etc/systemd/system/podium@.service" \
  && grep -q "ExecStart=/opt/podium/current/deploy/local/stack up" "$ROOT/etc/systemd/system/podium-stack.service"; then
  ok "podium@.service restarts a crashed colour (Restart=on-failure)"
else
  bad "podium@.service has no Restart=on-failure"
fi

# ------------------------------------------------------------------ secrets, logs, journal, time
step "secrets, log rotation, journald, time sync"
bad_modes=$(for f in deploy/ansible/inventories/test/secrets/*.age; do
  f=$(basename "$f" .age); [ "$(stat -c %a "$ROOT$STACK/secrets/$f")" = 600 ] || printf '%s ' "$f"; done)
# After the rotation above, the inventory in use is the work copy.
inv_secrets=deploy/ansible/inventories/test/secrets
[ -f "$WORK/inv/secrets/db_app_password.age" ] && inv_secrets=$WORK/inv/secrets
dec=$(age -d -i "$PODIUM_AGE_IDENTITY" "$inv_secrets/db_app_password.age")
if [ -z "$bad_modes" ] && [ "$(stat -c %a "$ROOT$STACK/secrets")" = 700 ] \
  && [ "$(cat "$ROOT$STACK/secrets/db_app_password")" = "$dec" ] \
  && grep -qF ":$dec@" "$ROOT$STACK/secrets/database_url_app" && [ "$code443" = 200 ]; then
  ok "secrets from the age files: 0600 in a 0700 folder; Podium reaches PostgreSQL with the decrypted password"
else
  bad "secrets: modes [$bad_modes], or the app password is not the encrypted one"
fi
if ! grep -qsF -e "$dec" -e "$old_pw" "$WORK/play1.log" "$WORK/play2.log" "$WORK/play-rotate.log"; then ok "no secret in the playbook's output"; else bad "a secret is in the playbook's output"; fi
in_host logrotate -f -s /tmp/logrotate.state /etc/logrotate.d/podium >"$WORK/logrotate.log" 2>&1 || true
curl -sS -m 5 -o /dev/null -k --resolve "podium.test:443:$HOST_ADDR" https://podium.test/healthz || true
sleep 1
if [ -s "$ROOT$STACK/nginx/logs/access.log.1" ] && [ -s "$ROOT$STACK/colours/blue/podium.log.1" ] \
  && grep -q '/healthz' "$ROOT$STACK/nginx/logs/access.log"; then
  ok "logrotate rotates Podium's and Nginx's logs; Nginx writes to the new file after USR1"
else
  bad "logrotate: $(tail -n 5 "$WORK/logrotate.log")"
fi
if in_host systemd-analyze cat-config systemd/journald.conf 2>/dev/null | grep -q '^SystemMaxUse=1G' \
  && in_host chronyd -p 2>/dev/null | grep -qx 'sourcedir /etc/chrony/sources.d' \
  && in_host chronyd -p -f /etc/chrony/sources.d/podium.sources 2>/dev/null | grep -q '^server 127.0.0.1 prefer iburst'; then
  ok "journald limits in place (verified: cat-config); chrony reads the role's sources (verified: chronyd -p; not started, it would set this machine's clock)"
else
  bad "journald or chrony configuration"
fi

# ------------------------------------------------------------------ Terraform
step "Terraform: python-hcl2, checkov, the module README's table, terraform fmt/validate"
mapfile -t tf_files < <(find deploy/terraform -name '*.tf' | sort)
if out=$("$VENV/bin/python" - "${tf_files[@]}" <<'PY' 2>&1
import sys, hcl2
for f in sys.argv[1:]:
    with open(f) as fh:
        hcl2.load(fh)
print(len(sys.argv) - 1)
PY
); then
  ok "python-hcl2 parses every .tf file ($out)"
else
  bad "python-hcl2: $(tail -n 5 <<<"$out")"
fi
# Each configuration on its own (a root evaluates the module with its own values), in parallel.
tf_dirs=(deploy/terraform/modules/podium-aws deploy/terraform/staging deploy/terraform/production deploy/terraform/state-bootstrap)
ck_pids=()
for d in "${tf_dirs[@]}"; do
  nice -n 10 "$CKVENV/bin/checkov" -d "$d" --framework terraform --skip-download --compact --quiet >"$WORK/checkov-${d##*/}.log" 2>&1 &
  ck_pids+=("$!")
done
for i in "${!tf_dirs[@]}"; do
  d=${tf_dirs[$i]}
  if wait "${ck_pids[$i]}"; then
    ok "checkov $d: $(grep -o 'Passed checks: [0-9]*, Failed checks: [0-9]*, Skipped checks: [0-9]*' "$WORK/checkov-${d##*/}.log" | head -n 1)"
  else
    bad "checkov $d"; grep -E 'Check:|FAILED|File:' "$WORK/checkov-${d##*/}.log" | head -n 30
  fi
done
check "the module README's variables/outputs table is in sync (deploy/terraform/tf-docs --check)" \
  "$VENV/bin/python" deploy/terraform/tf-docs --check deploy/terraform/modules/podium-aws
# The table check must fail when the README is stale: a copy with one variable's description changed.
cp -r deploy/terraform/modules/podium-aws "$WORK/stale-module"
sed -i '0,/description = "/s/description = "/description = "CHANGED /' "$WORK/stale-module/variables.tf"
if ! out=$("$VENV/bin/python" deploy/terraform/tf-docs --check "$WORK/stale-module" 2>&1) && grep -q 'stale' <<<"$out"; then
  ok "tf-docs --check fails on a module whose README is stale"
else
  bad "tf-docs --check passed a stale README"
fi
if command -v terraform >/dev/null; then
  check "terraform fmt -check -recursive deploy/terraform ($(terraform version | head -n 1))" terraform fmt -check -recursive deploy/terraform
  # validate needs the AWS provider, which `terraform init` cannot fetch here (no registry).
  cp -r deploy/terraform "$WORK/tf"
  if out=$(cd "$WORK/tf/staging" && timeout 120 terraform init -backend=false -input=false -no-color 2>&1); then
    check "terraform validate deploy/terraform/staging" bash -c "cd '$WORK/tf/staging' && terraform validate -no-color"
  else
    echo "  note terraform validate not run: terraform init cannot fetch the AWS provider here: $(grep -m1 -oE 'could not connect to [^:]*|Failed to [^.]*' <<<"$out" || echo 'init failed')"
  fi
fi

finish
