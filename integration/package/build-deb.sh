#!/usr/bin/env bash
# Build kad's Debian package from binaries already built: kad and kactl
# generate their man pages and completions, then `cargo deb --no-build`
# (metadata: crates/kad/Cargo.toml) packs them with the unit and the example.
#
#   integration/package/build-deb.sh [PROFILE_DIR] [OUT_DIR] [cargo-deb flags, e.g. --fast]
#   PROFILE_DIR: target/debug (default) or target/release
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-target/debug}
out=${2:-target}
shift $(( $# < 2 ? $# : 2 ))
for b in kad kactl; do
    [ -x "$bin/$b" ] || { echo "$bin/$b is missing: cargo build -p kad -p kactl first" >&2; exit 1; }
done
command -v cargo-deb >/dev/null || { echo "cargo-deb is missing: cargo install cargo-deb --version 3.8.0 --locked" >&2; exit 1; }
rm -rf "$bin/dist"
"$bin/kad" --generate-dist "$bin/dist"
"$bin/kactl" --generate-dist "$bin/dist"
case "$(basename "$bin")" in
    debug) profile=dev ;;
    *) profile=$(basename "$bin") ;;
esac
# cargo-deb maps the assets' target/release/ to the profile's directory.
cargo deb -p kad --no-build --profile "$profile" -o "$out" "$@" 2> "$out/cargo-deb.log" || { cat "$out/cargo-deb.log" >&2; exit 1; }
