#!/usr/bin/env bash
# Build a bootable test image: Debian's kernel (with IPVS as modules), an
# initramfs with busybox, ipvsadm, iproute2's ip, BIRD 2, this project's kad, the
# modules IPVS needs, and the scenarios. Usage:
#   integration/vm/build-image.sh OUTDIR KAD_BINARY
# OUTDIR gets vmlinuz and initrd.gz. The kernel package is downloaded once
# and cached in $KAD_VM_CACHE (default: target/vm-cache).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=$1
kad=$2
cache=${KAD_VM_CACHE:-$root/target/vm-cache}
mkdir -p "$out" "$cache"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need qemu-system-x86_64 || ! [ -x /bin/busybox ] || ! need cpio || ! need depmod || ! need ipvsadm || ! need bird; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq qemu-system-x86 busybox-static cpio kmod ipvsadm iproute2 bird2 >/dev/null
fi

# The kernel package that linux-image-amd64 points to.
if [ ! -f "$cache/kernel.version" ]; then
    pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}')
    [ -n "$pkg" ] || { apt-get update -qq; pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ {print $2; exit}'); }
    (cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1)
    rm -rf "$cache/root" && dpkg -x "$cache"/"$pkg"_*.deb "$cache/root"
    ls "$cache/root/lib/modules" | head -1 > "$cache/kernel.version"
fi
kver=$(cat "$cache/kernel.version")
mods=$cache/root/lib/modules/$kver

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage"/{bin,sbin,lib,lib64,usr/bin,usr/sbin,proc,sys,dev,run,tmp,etc,modules,scenarios,var/run}
cp /bin/busybox "$stage/bin/busybox"
# Binaries with the libraries ldd names.
copy_bin() {
    local src=$1 dst=$2
    cp "$src" "$stage$dst"
    ldd "$src" 2>/dev/null | awk '/=> \// {print $3} /^[ \t]*\// {print $1}' | while read -r lib; do
        mkdir -p "$stage$(dirname "$lib")"
        cp -n "$lib" "$stage$lib" 2>/dev/null || true
    done
}
copy_bin "$(command -v ipvsadm)" /sbin/ipvsadm
# iproute2 reads its own argv[0]: it must stay `ip`.
copy_bin "$(command -v ip)" /usr/bin/ip
copy_bin "$kad" /usr/bin/kad
copy_bin "$(dirname "$kad")/kactl" /usr/bin/kactl
# The ECMP scenarios' flows (built beside kad by vm::image).
[ -x "$(dirname "$kad")/echo-flows" ] && copy_bin "$(dirname "$kad")/echo-flows" /usr/bin/echo-flows
# BIRD 2 from Debian, for the ECMP scenarios (the router and the directors'
# BGP daemons), copied in as ipvsadm is.
if command -v bird >/dev/null && command -v birdc >/dev/null; then
    copy_bin "$(command -v bird)" /usr/sbin/bird
    copy_bin "$(command -v birdc)" /usr/sbin/birdc
fi
# keepalived, for the benchmark's comparison (when KAD_VM_KEEPALIVED=1).
if [ "${KAD_VM_KEEPALIVED:-0}" = 1 ] && command -v keepalived >/dev/null; then
    copy_bin "$(command -v keepalived)" /sbin/keepalived
fi
# Debug information is most of a Rust binary: not needed in the VM.
command -v strip >/dev/null && strip "$stage/usr/bin/kad"
for m in crypto/crc32c_generic lib/libcrc32c net/ipv4/netfilter/nf_defrag_ipv4 net/ipv6/netfilter/nf_defrag_ipv6 \
         net/netfilter/nf_conntrack net/netfilter/ipvs/ip_vs \
         net/netfilter/ipvs/ip_vs_rr net/netfilter/ipvs/ip_vs_wrr net/netfilter/ipvs/ip_vs_lc net/netfilter/ipvs/ip_vs_wlc \
         net/netfilter/ipvs/ip_vs_sh net/netfilter/ipvs/ip_vs_mh net/netfilter/ipvs/ip_vs_dh net/netfilter/ipvs/ip_vs_sed \
         net/netfilter/ipvs/ip_vs_nq net/netfilter/ipvs/ip_vs_lblc net/netfilter/ipvs/ip_vs_lblcr net/netfilter/ipvs/ip_vs_fo \
         net/netfilter/ipvs/ip_vs_ovf net/netfilter/ipvs/ip_vs_pe_sip drivers/net/veth drivers/net/dummy net/llc/llc net/802/stp net/bridge/bridge; do
    f=$mods/kernel/$m.ko
    [ -f "$f" ] && echo "$(basename "$f")" >> "$stage/modules/order" && cp "$f" "$stage/modules/"
done
cp "$here"/scenarios/* "$stage/scenarios/"
mkdir -p "$stage/lib-kad" && cp "$here"/lib/* "$stage/lib-kad/"
cp -r "$here"/ecmp "$stage/ecmp"
# The directors' BIRD is the one docs/ ships (its definitions set per director).
cp "$root/docs/bgp/bird.conf" "$stage/ecmp/director.bird"
# Extra files for a scenario (benchmarks bring their generated inputs).
if [ -n "${KAD_VM_EXTRA:-}" ]; then mkdir -p "$stage/extra" && cp -r "$KAD_VM_EXTRA"/. "$stage/extra/"; fi
# keepalived's sample configurations, from its package (test.sh installs it);
# some distributions gzip them.
samples=${KAD_KEEPALIVED_SAMPLES:-/usr/share/doc/keepalived/samples}
ls "$samples"/keepalived.conf.* >/dev/null 2>&1 || {
    echo "keepalived's samples are not in $samples: apt-get install keepalived (test.sh and .ci/run do)" >&2
    exit 1
}
mkdir -p "$stage/samples"
for f in "$samples"/keepalived.conf.*; do
    case $f in
    *.gz) gzip -dc "$f" >"$stage/samples/$(basename "$f" .gz)" ;;
    *) cp "$f" "$stage/samples/" ;;
    esac
done
cp "$here/init" "$stage/init"
chmod +x "$stage/init" "$stage"/scenarios/*.sh
# Written aside and renamed: a VM of another test process booting from
# OUTDIR meanwhile reads the old image or the new one, never half of one.
(cd "$stage" && find . | cpio -o -H newc 2>/dev/null | gzip -1) > "$out/initrd.gz.$$"
mv -f "$out/initrd.gz.$$" "$out/initrd.gz"
cp "$cache/root/boot/vmlinuz-$kver" "$out/vmlinuz.$$" && mv -f "$out/vmlinuz.$$" "$out/vmlinuz"
echo "image: $out (kernel $kver)"
