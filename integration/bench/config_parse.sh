#!/usr/bin/env bash
# Parse benchmark: `kad -t --no-env-check` against `keepalived -t` on the
# same generated files in the same run; prints wall time, peak memory and
# the ratios. Usage: integration/bench/config_parse.sh [SIZES...]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000 50000)
runs=${RUNS:-3}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

cargo build --release -q -p kad --manifest-path "$root/Cargo.toml"
kad="$root/target/release/kad"
command -v keepalived >/dev/null || { echo "keepalived is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 1; }

# Median of RUNS runs: "seconds max_rss_kib".
measure() {
    local samples=()
    for _ in $(seq "$runs"); do
        /usr/bin/time -f "%e %M" -o "$out/t" "$@" >/dev/null 2>&1 || true
        samples+=("$(tail -n1 "$out/t")")
    done
    printf '%s\n' "${samples[@]}" | sort -n | sed -n "$(( (runs + 1) / 2 ))p"
}

printf '%-8s %10s %10s %8s %12s %12s %8s\n' services kad_s keepalived_s speedup kad_MiB keepalived_MiB mem_ratio
for n in "${sizes[@]}"; do
    conf="$out/bench-$n.conf"
    python3 "$here/gen_config.py" "$n" > "$conf"
    # Both must accept the file, or the comparison is meaningless.
    "$kad" -t --no-env-check -f "$conf" || { echo "kad rejects $conf" >&2; exit 1; }
    keepalived -t -f "$conf" 2>/dev/null || { echo "keepalived rejects $conf" >&2; exit 1; }
    read -r ks km < <(measure "$kad" -t --no-env-check -f "$conf")
    read -r as am < <(measure keepalived -t -f "$conf")
    awk -v n="$n" -v ks="$ks" -v km="$km" -v as="$as" -v am="$am" 'BEGIN {
        sp = (ks > 0) ? as / ks : 0; mr = (am > 0) ? km / am : 0;
        printf "%-8d %10.2f %10.2f %7.1fx %12.1f %12.1f %7.2fx\n", n, ks, as, sp, km / 1024, am / 1024, mr }'
done
