#!/usr/bin/env bash
# The kad demo: two kad directors in network namespaces share a virtual IP
# (conf.d/demo-vrrp.conf), a client pings it, the master is stopped, the
# backup takes over. `kactl status` of both is shown before and after.
# Needs root (namespaces); installs iproute2 and ping if missing.
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "the demo needs root (network namespaces)" >&2; exit 1; }
if ! command -v ip >/dev/null || ! command -v ping >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq iproute2 iputils-ping >/dev/null
fi
cargo build -q --release -p kad -p kactl
kad=$PWD/target/release/kad
kactl=$PWD/target/release/kactl
conf=$PWD/conf.d/demo-vrrp.conf
p=kaddemo$$
work=$(mktemp -d)
cleanup() {
    pkill -f "kad -n -f $conf" 2>/dev/null || true
    for n in br kad1 kad2 client; do ip netns del "$p$n" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

echo "== a LAN: a bridge, two directors (kad1 10.42.0.1, kad2 10.42.0.2), a client (10.42.0.9)"
ip netns add "${p}br"
ip netns exec "${p}br" ip link add br0 type bridge
ip netns exec "${p}br" ip link set br0 up
for h in kad1:1 kad2:2 client:9; do
    n=${h%%:*}; a=${h##*:}
    ip netns add "$p$n"
    ip link add "$p$a" type veth peer name veth0 netns "$p$n"
    ip link set "$p$a" netns "${p}br"
    ip netns exec "${p}br" ip link set "$p$a" master br0 up
    ip netns exec "$p$n" ip addr add "10.42.0.$a/24" dev veth0
    ip netns exec "$p$n" ip link set veth0 up
    ip netns exec "$p$n" ip link set lo up
done

echo "== starting kad in both (config $conf, -i kad1 / -i kad2)"
for n in kad1 kad2; do
    ip netns exec "$p$n" "$kad" -n -f "$conf" -i "$n" --socket "$work/$n.sock" -p "$work/$n.pid" 2>"$work/$n.log" &
done
for _ in $(seq 50); do
    ip netns exec "${p}kad1" ip -o addr show veth0 | grep -q 10.42.0.100 && break
    sleep 0.2
done
echo; echo "== kactl status on kad1"; "$kactl" --socket "$work/kad1.sock" status
echo "== kactl status on kad2"; "$kactl" --socket "$work/kad2.sock" status

echo "== the client pings the VIP 10.42.0.100 every 10 ms while kad1 is stopped (SIGTERM)"
ip netns exec "${p}client" ping -n -i 0.01 -c 400 -W 1 10.42.0.100 >"$work/ping.log" 2>&1 &
ping_pid=$!
sleep 1
pkill -TERM -f "kad -n -f $conf -i kad1"
wait "$ping_pid" || true
grep -E 'packets transmitted|rtt' "$work/ping.log"
echo; echo "== kactl status on kad2 after the switchover"; "$kactl" --socket "$work/kad2.sock" status
echo "== the VIP is now on:"
for n in kad1 kad2; do
    ip netns exec "$p$n" ip -o addr show veth0 | grep -q 10.42.0.100 && echo "   $n"
done
echo; echo "== kad2's log"; cat "$work/kad2.log"
