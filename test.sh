#!/usr/bin/env bash
# Run every test of kad: unit and simulation tests, the broken-config
# corpus, compatibility with Debian's keepalived, namespace tests (as root),
# and a short fuzz run of the configuration reader.
#
#   ./test.sh                 everything (installs what it needs when root)
#   FUZZ_SECONDS=0 ./test.sh  skip fuzzing
set -euo pipefail
cd "$(dirname "$0")"

need=()
for tool in keepalived ipvsadm tcpdump ip nft python3 ping systemd-analyze man unshare dpkg-deb prometheus promtool setpriv bird birdc vtysh; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/bin/time ] || need+=(time)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(aiosmtpd)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        pkgs=()
        for t in "${need[@]}"; do
            case "$t" in ip) pkgs+=(iproute2) ;; ping) pkgs+=(iputils-ping) ;; nft) pkgs+=(nftables) ;; systemd-analyze) pkgs+=(systemd) ;;
                man) pkgs+=(man-db) ;; unshare) pkgs+=(util-linux) ;; dpkg-deb) pkgs+=(dpkg) ;; promtool) pkgs+=(prometheus) ;; setpriv) pkgs+=(util-linux) ;; aiosmtpd) pkgs+=(python3-aiosmtpd) ;;
                bird|birdc) pkgs+=(bird2) ;; vtysh) pkgs+=(frr) ;;
                *) pkgs+=("$t") ;; esac
        done
        echo "installing: ${pkgs[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    else
        echo "missing tools: ${need[*]} (run as root to install them)" >&2
        exit 1
    fi
fi

# keepalived's sample configurations, which tests read, come from its package;
# an image that leaves /usr/share/doc out gets them from the package file.
if [ -z "${KAD_KEEPALIVED_SAMPLES:-}" ] && ! ls /usr/share/doc/keepalived/samples/keepalived.conf.* >/dev/null 2>&1; then
    deb=target/keepalived-deb
    rm -rf "$deb" && mkdir -p "$deb"
    (cd "$deb" && apt-get download keepalived >/dev/null 2>&1) && dpkg-deb -x "$deb"/keepalived_*.deb "$deb/root"
    export KAD_KEEPALIVED_SAMPLES=$PWD/$deb/root/usr/share/doc/keepalived/samples
fi

# The package test (integration/tests/package_deb.rs) builds the .deb with it.
if ! command -v cargo-deb >/dev/null 2>&1; then
    echo "installing cargo-deb"
    cargo install cargo-deb --version 3.8.0 --locked --quiet
fi

# The house lints (Cargo.toml's [workspace.lints]: no unwrap/expect outside
# tests, a SAFETY reason on every unsafe block) are errors; clippy's other
# advice is printed, not enforced, so a new clippy release cannot fail CI.
for component in clippy rustfmt; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
        if command -v rustup >/dev/null 2>&1; then
            rustup component add "$component"
        else
            echo "cargo's $component is missing (install the $component component)" >&2
            exit 1
        fi
    fi
done
# Code is as rustfmt writes it.
cargo fmt --all -- --check
cargo clippy --workspace --all-targets

cargo build --workspace --all-targets
# The pure VRRP core builds without its I/O (no tokio in its tree).
cargo build -p kad-vrrp --no-default-features
if cargo tree -p kad-vrrp --no-default-features -e normal --prefix none | grep -q '^tokio '; then
    echo "kad-vrrp without the io feature depends on tokio" >&2
    exit 1
fi
cargo test --workspace -- --test-threads=2

fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
    echo "fuzzing the configuration reader for ${fuzz_seconds}s"
    fuzz/run.sh "$fuzz_seconds" > /tmp/kad-fuzz.log 2>&1 || { tail -50 /tmp/kad-fuzz.log; echo "fuzzing found a problem" >&2; exit 1; }
    tail -n 1 /tmp/kad-fuzz.log
fi
