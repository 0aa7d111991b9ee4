#!/usr/bin/env bash
# Run the parser fuzz target for SECONDS (default 60) from the seed corpus.
# cargo-fuzz needs nightly flags; RUSTC_BOOTSTRAP lets the stable toolchain
# accept them.
set -euo pipefail
cd "$(dirname "$0")"
secs=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
mkdir -p corpus/config_parse
RUSTC_BOOTSTRAP=1 cargo fuzz run config_parse corpus/config_parse seeds -- \
    -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=2048
