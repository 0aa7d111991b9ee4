#!/usr/bin/env bash
# The kad demo, the whole job in one run (integration/vm/scenarios/demo.sh):
# 1. a VRRP pair of kads with four DR real servers behind a router: a
#    client's connections go on across the master's hard failure, with
#    `kactl status` of both before and after;
# 2. the same service on three active kads behind a BIRD router (ECMP,
#    BGP, BFD): one director is removed and every flow goes on.
# On a kernel with IPVS it runs in network namespaces here; elsewhere (no
# ip_vs module) it boots the project's VM (Debian's kernel under qemu).
# Needs root; installs what it needs (qemu, busybox, ipvsadm, bird2).
set -euo pipefail
cd "$(dirname "$0")"
[ "$(id -u)" = 0 ] || { echo "the demo needs root (namespaces, IPVS or qemu)" >&2; exit 1; }
need=()
for t in ip ipvsadm bird cpio qemu-system-x86_64; do command -v "$t" >/dev/null || need+=("$t"); done
[ -x /bin/busybox ] || need+=(busybox)
if [ ${#need[@]} -gt 0 ]; then
    echo "installing: iproute2 ipvsadm bird2 busybox-static cpio kmod qemu-system-x86"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends iproute2 ipvsadm bird2 busybox-static cpio kmod qemu-system-x86 >/dev/null
fi
cargo build -q --release -p kad -p kactl -p kad-integration --bin echo-flows
bin=$PWD/target/release
if modprobe ip_vs 2>/dev/null && [ -e /proc/net/ip_vs ]; then
    echo "== this kernel has IPVS: the demo runs in network namespaces here"
    work=$(mktemp -d)
    cp integration/vm/ecmp/* "$work/"
    cp docs/bgp/bird.conf "$work/director.bird"
    cleanup() {
        pkill -f "kad -n -f $work" 2>/dev/null || true
        pkill -f "kad -n -f /tmp/k[12].conf" 2>/dev/null || true
        for f in /run/bird/*.pid; do [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null; done
        for n in rt c r1 r2 r3 r4 k1 k2 d1 d2 d3; do ip netns del "$n" 2>/dev/null || true; done
        ip link del lanb 2>/dev/null || true
        rm -rf "$work"
    }
    trap cleanup EXIT
    PATH=$bin:$PATH KAD_LIB_DIR=$PWD/integration/vm/lib KAD_ECMP_DIR=$work sh integration/vm/scenarios/demo.sh
else
    echo "== this kernel has no IPVS: the demo boots the project's VM (Debian's kernel, qemu)"
    integration/vm/build-image.sh target/vm-image-demo "$bin/kad" | tail -1
    # TCG, as the tests: a /dev/kvm without nested virtualisation hangs.
    timeout 600 qemu-system-x86_64 -accel tcg -m 768 -smp 1 -nographic -no-reboot \
        -kernel target/vm-image-demo/vmlinuz -initrd target/vm-image-demo/initrd.gz \
        -append "console=ttyS0 quiet panic=-1 kad.scenario=demo" </dev/null |
        tr -d '\r' | sed -n '/KAD-VM-BEGIN/,/KAD-VM-END/p' | grep -v '^KAD-VM-'
fi
