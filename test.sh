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
for tool in keepalived ipvsadm tcpdump ip python3 ping; do
    command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
[ -x /usr/bin/time ] || need+=(time)
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(aiosmtpd)
if [ ${#need[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        pkgs=()
        for t in "${need[@]}"; do
            case "$t" in ip) pkgs+=(iproute2) ;; ping) pkgs+=(iputils-ping) ;; aiosmtpd) pkgs+=(python3-aiosmtpd) ;; *) pkgs+=("$t") ;; esac
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

cargo build --workspace --all-targets
cargo test --workspace -- --test-threads=2

fuzz_seconds=${FUZZ_SECONDS:-60}
if [ "$fuzz_seconds" -gt 0 ]; then
    echo "fuzzing the configuration reader for ${fuzz_seconds}s"
    fuzz/run.sh "$fuzz_seconds" > /tmp/kad-fuzz.log 2>&1 || { tail -50 /tmp/kad-fuzz.log; echo "fuzzing found a problem" >&2; exit 1; }
    tail -n 1 /tmp/kad-fuzz.log
fi
