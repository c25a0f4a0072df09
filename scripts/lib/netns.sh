# shellcheck shell=bash
# Hosts of a test as network namespaces (sourced by scripts/test-*.sh, run as root): each gets a
# veth pair to the test's own namespace, an address of its own, loopback, a default route to the
# test's side, and optionally its own /etc/hosts (ip netns exec mounts /etc/netns/NAME/hosts over
# /etc/hosts). netns_cleanup stops every process left in them (by pid) and deletes everything
# netns_make made; call it from the test's EXIT trap.
#
#   netns_make NAME VETH_HERE VETH_THERE HERE_ADDR THERE_ADDR   (a /30 between the two)
#   netns_bridge BRIDGE ADDR/PREFIX                              a bridge on the test's side
#   netns_on_bridge NAME VETH_HERE VETH_THERE BRIDGE ADDR/PREFIX GATEWAY
#                                       a namespace whose veth is a port of BRIDGE (hosts on one
#                                       network; `ip link set VETH_HERE down` cuts it off)
#   netns_hosts NAME "ADDR NAME..."...                          its /etc/hosts
#   in_netns NAME CMD...
#   netns_kill NAME [GRACE_SECONDS]                             TERM, then KILL, every process in it
#   netns_cleanup

NETNS_MADE=()   # "NAME VETH_HERE" of each namespace made
NETNS_BRIDGES=() # bridges made

netns_make() { # NAME VETH_HERE VETH_THERE HERE_ADDR THERE_ADDR
  local ns=$1 here=$2 there=$3 here_addr=$4 there_addr=$5
  ip netns add "$ns" || return 1
  NETNS_MADE+=("$ns $here")
  ip link add "$here" type veth peer name "$there" &&
    ip link set "$there" netns "$ns" &&
    ip addr add "$here_addr/30" dev "$here" &&
    ip link set "$here" up &&
    ip netns exec "$ns" ip addr add "$there_addr/30" dev "$there" &&
    ip netns exec "$ns" ip link set "$there" up &&
    ip netns exec "$ns" ip link set lo up &&
    ip netns exec "$ns" ip route add default via "$here_addr"
}

netns_bridge() { # BRIDGE ADDR/PREFIX
  ip link add "$1" type bridge || return 1
  NETNS_BRIDGES+=("$1")
  ip addr add "$2" dev "$1" && ip link set "$1" up
}

netns_on_bridge() { # NAME VETH_HERE VETH_THERE BRIDGE ADDR/PREFIX GATEWAY
  local ns=$1 here=$2 there=$3 bridge=$4 addr=$5 gateway=$6
  ip netns add "$ns" || return 1
  NETNS_MADE+=("$ns $here")
  ip link add "$here" type veth peer name "$there" &&
    ip link set "$there" netns "$ns" &&
    ip link set "$here" master "$bridge" &&
    ip link set "$here" up &&
    ip netns exec "$ns" ip addr add "$addr" dev "$there" &&
    ip netns exec "$ns" ip link set "$there" up &&
    ip netns exec "$ns" ip link set lo up &&
    ip netns exec "$ns" ip route add default via "$gateway"
}

netns_hosts() { # NAME LINE...
  local ns=$1
  shift
  mkdir -p "/etc/netns/$ns"
  { echo "127.0.0.1 localhost"; printf '%s\n' "$@"; } >"/etc/netns/$ns/hosts"
}

in_netns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

netns_kill() { # NAME [GRACE_SECONDS]
  local ns=$1 grace=${2:-10} pids i
  pids=$(ip netns pids "$ns" 2>/dev/null | xargs)
  [ -n "$pids" ] || return 0
  # shellcheck disable=SC2086 # one pid a word
  kill -TERM $pids 2>/dev/null || true
  for ((i = 0; i < grace * 5; i++)); do
    [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] || return 0
    sleep 0.2
  done
  pids=$(ip netns pids "$ns" 2>/dev/null | xargs)
  # shellcheck disable=SC2086 # one pid a word
  [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  sleep 0.2
  [ -z "$(ip netns pids "$ns" 2>/dev/null)" ]
}

netns_cleanup() {
  local entry ns here
  for entry in "${NETNS_MADE[@]}"; do
    read -r ns here <<<"$entry"
    netns_kill "$ns" 5 || echo "warning: processes left in $ns: $(ip netns pids "$ns" 2>/dev/null | xargs)" >&2
    ip link del "$here" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "/etc/netns/$ns"
    rmdir /etc/netns 2>/dev/null || true
  done
  NETNS_MADE=()
  for entry in "${NETNS_BRIDGES[@]}"; do ip link del "$entry" 2>/dev/null || true; done
  NETNS_BRIDGES=()
}
