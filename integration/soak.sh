#!/usr/bin/env bash
# Soak the whole test suite: every test binary of the workspace (unit,
# property/simulation, namespace and VM tests) is run ROUNDS times by each of
# WORKERS workers at once, each worker in its own shuffled order, so that
# every binary runs ROUNDS*WORKERS times with other parts of the suite
# running beside it. A test that fails at random shows up here.
#
#   sudo integration/soak.sh [ROUNDS] [WORKERS]     (default 5 2: ten runs)
#
# Two settings for a machine that cannot give the whole suite ten rounds:
#   SOAK_SPLIT=1    worker 1 runs only the VM tests (vm_*), the other workers
#                   everything else, so a VM (one per two CPUs: vm.rs's slots)
#                   always runs beside the namespace and unit tests instead
#                   of workers queueing for the VM slot;
#   SOAK_MINUTES=N  no new run starts after N minutes (ROUNDS is then an
#                   upper bound); the table says how many runs each got.
#
# Run it after ./test.sh has installed what the tests need. It writes one
# line per run to target/soak/runs.tsv (worker, round, binary, exit status,
# seconds), keeps the output of failed runs in target/soak/fail-*.log, and
# ends with a table per binary; it exits 1 if any run failed.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
workers=${2:-2}
out=target/soak
rm -rf "$out" && mkdir -p "$out"

# keepalived's samples, as test.sh finds them (an image without /usr/share/doc
# gets them from the package file test.sh unpacked).
if [ -z "${KAD_KEEPALIVED_SAMPLES:-}" ] && ! ls /usr/share/doc/keepalived/samples/keepalived.conf.* >/dev/null 2>&1 \
    && [ -d target/keepalived-deb/root ]; then
    export KAD_KEEPALIVED_SAMPLES=$PWD/target/keepalived-deb/root/usr/share/doc/keepalived/samples
fi

# Build once; list each test executable with the directory cargo runs it in
# (its package's), as `cargo test` would.
cargo build --workspace --bins -q
cargo test --workspace --no-run --message-format=json 2>/dev/null |
    python3 -c '
import json, os, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("profile", {}).get("test") and m.get("executable"):
        print(os.path.dirname(m["manifest_path"]) + "\t" + m["executable"])
' | sort -u >"$out/binaries.tsv"
count=$(wc -l <"$out/binaries.tsv")
echo "soak: $count test binaries, $rounds rounds x $workers workers"

deadline=$(( $(date +%s) + ${SOAK_MINUTES:-100000} * 60 ))
# The binaries worker $1 runs.
share() {
    if [ "${SOAK_SPLIT:-0}" = 1 ] && [ "$workers" -gt 1 ]; then
        if [ "$1" = 1 ]; then grep -P '/vm_[^/]*$' "$out/binaries.tsv"; else grep -vP '/vm_[^/]*$' "$out/binaries.tsv"; fi
    else
        cat "$out/binaries.tsv"
    fi
}
worker() {
    local w=$1 r dir exe name start rc secs
    for r in $(seq 1 "$rounds"); do
        [ "$(date +%s)" -lt "$deadline" ] || break
        share "$w" | shuf | while IFS=$'\t' read -r dir exe; do
            [ "$(date +%s)" -lt "$deadline" ] || break
            name=$(basename "$exe" | sed 's/-[0-9a-f]*$//')
            start=$EPOCHREALTIME
            rc=0
            (cd "$dir" && "$exe" --test-threads=2) >"$out/run-$w.log" 2>&1 </dev/null || rc=$?
            secs=$(awk "BEGIN {print $EPOCHREALTIME - $start}")
            printf '%s\t%s\t%s\t%s\t%.1f\n' "$w" "$r" "$name" "$rc" "$secs" >>"$out/runs.tsv"
            if [ "$rc" != 0 ]; then
                cp "$out/run-$w.log" "$out/fail-$name-w$w-r$r.log"
                echo "soak: FAILED $name (worker $w, round $r): $out/fail-$name-w$w-r$r.log"
            fi
        done
        echo "soak: worker $w finished round $r"
    done
}

pids=()
for w in $(seq 1 "$workers"); do
    worker "$w" &
    pids+=($!)
done
for p in "${pids[@]}"; do wait "$p"; done

python3 - "$out/runs.tsv" <<'EOF'
import collections, sys
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    w, r, name, rc, secs = line.rstrip("\n").split("\t")
    runs[name].append((int(rc), float(secs)))
failed = 0
print(f"{'binary':40} runs  fails  mean s  max s")
for name in sorted(runs):
    v = runs[name]
    f = sum(1 for rc, _ in v if rc)
    failed += f
    print(f"{name:40} {len(v):4} {f:6} {sum(s for _, s in v)/len(v):7.1f} {max(s for _, s in v):6.1f}")
total = sum(len(v) for v in runs.values())
print(f"soak: {total} runs of {len(runs)} binaries, {failed} failed")
sys.exit(1 if failed else 0)
EOF
