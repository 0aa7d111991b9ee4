#!/usr/bin/env bash
# The kad demo. Today kad reads configurations: this checks every example
# in conf.d/ the way `keepalived -t` would, and shows one as kad's model.
set -euo pipefail
cd "$(dirname "$0")"
cargo build -q --release -p kad
kad=target/release/kad
for f in conf.d/*.conf conf.d/*/keepalived.conf; do
    printf '%-40s ' "$f"
    if "$kad" -t --no-env-check -f "$f" 2>/tmp/kad-demo.err; then
        echo "ok"
    else
        echo "exit $?"; cat /tmp/kad-demo.err
    fi
done
echo
echo "kad --dump-config -f conf.d/lvs-nat-quorum.conf (first lines):"
"$kad" --dump-config -f conf.d/lvs-nat-quorum.conf | head -40
